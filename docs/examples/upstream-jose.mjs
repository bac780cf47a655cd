// The same checks with jose alone, for an upstream that does not use actas/verify.
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const actasUrl = process.env.ACTAS_URL; // actas's publicUrl: the token's issuer
const audience = process.env.ACTAS_AUDIENCE; // this upstream's name in the actas config
const jwks = createRemoteJWKSet(new URL(process.env.ACTAS_JWKS_URL ?? `${actasUrl}/.well-known/actas/jwks.json`));

async function verifyAssertion(req) {
  const token = req.headers['x-actas-jwt-assertion'];
  if (typeof token !== 'string') throw new Error('no assertion');
  const { payload } = await jwtVerify(token, jwks, {
    issuer: actasUrl,
    audience,
    algorithms: ['ES256', 'RS256', 'EdDSA'], // never "none", never HS*
    requiredClaims: ['sub', 'iat', 'exp'],
    clockTolerance: 5,
  });
  return payload;
}

const server = createServer(async (req, res) => {
  let claims;
  try {
    claims = await verifyAssertion(req);
  } catch {
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end('{"error":"unauthorized"}');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ user: claims.user, groups: claims.groups, actor: claims.act?.user ?? null }));
});

// Loopback only: nothing but actas, on this host, can reach the app.
server.listen(Number(process.env.PORT ?? 8081), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
