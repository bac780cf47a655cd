// An independent verifier: PyJWT (Python) checks tokens actas signs against
// the JWKS actas serves from a real HTTP server, for every algorithm, and
// refuses a token for another audience or issuer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAssertionSigner } from '../../../src/headers/assertion.ts';
import { assertionConfig, capturingLogger, olgaAsAlice, startJwksServer } from '../../support/assertion-fixtures.ts';
import { pyjwtMissing, pyjwtVerify } from '../../support/python.ts';

const missing = pyjwtMissing();
if (missing) console.log(`# skipping PyJWT checks: ${missing}`);

for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) {
  test(`PyJWT accepts an ${alg} assertion, act and actas included`, { skip: missing }, async (t) => {
    const jwks = await startJwksServer(t);
    const signer = await createAssertionSigner(assertionConfig(`${jwks.origin}/`, { alg }), capturingLogger().logger, { allowEphemeral: true });
    assert.ok(signer);
    jwks.holder.jwks = signer.jwks;
    const expiresAt = Date.now() + 600_000;
    const token = await signer.sign(olgaAsAlice(expiresAt), 'wiki', 'session-1');

    const ok = await pyjwtVerify(token, jwks.jwksUrl, jwks.origin, 'wiki');
    assert.equal(ok.code, 0, ok.stderr);
    const claims = JSON.parse(ok.stdout) as Record<string, unknown>;
    assert.equal(claims.iss, jwks.origin, 'iss is the public URL without its trailing slash');
    assert.equal(claims.sub, 'sub-alice');
    assert.equal(claims.user, 'alice');
    assert.deepEqual(claims.groups, ['staff', 'wiki-editors']);
    assert.deepEqual(claims.act, { sub: 'sub-olga', user: 'olga', email: 'olga@example.org' });
    assert.deepEqual(claims.actas, { reason: 'ticket 4711: page renders blank', mode: 'read-only', expires_at: Math.floor(expiresAt / 1000) });

    const wrongAudience = await pyjwtVerify(token, jwks.jwksUrl, jwks.origin, 'grafana');
    assert.equal(wrongAudience.code, 1);
    assert.match(wrongAudience.stderr, /InvalidAudienceError/);
    const wrongIssuer = await pyjwtVerify(token, jwks.jwksUrl, 'https://elsewhere.example', 'wiki');
    assert.equal(wrongIssuer.code, 1);
    assert.match(wrongIssuer.stderr, /InvalidIssuerError/);
  });
}
