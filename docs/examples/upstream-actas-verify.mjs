// An upstream that serves only requests actas vouches for, using actas/verify.
import { createServer } from 'node:http';
import { createAssertionVerifier, requireAssertion, assertionOf } from 'actas/verify';

const actasUrl = process.env.ACTAS_URL; // actas's publicUrl: the token's issuer
const verifier = createAssertionVerifier({
  jwksUrl: process.env.ACTAS_JWKS_URL ?? `${actasUrl}/.well-known/actas/jwks.json`,
  issuer: actasUrl,
  audience: process.env.ACTAS_AUDIENCE, // this upstream's name in the actas config
});
const guard = requireAssertion(verifier, {
  onError: (err, req) => console.error(`refused ${req.method} ${req.url}: ${err.code} ${err.reason ?? ''}`),
});

const server = createServer((req, res) => guard(req, res, () => {
  const who = assertionOf(req);
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ user: who.user, groups: who.groups, actor: who.actor?.user ?? null }));
}));

// Loopback only: nothing but actas, on this host, can reach the app.
server.listen(Number(process.env.PORT ?? 8081), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
