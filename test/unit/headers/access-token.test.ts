// The access tokens of token exchange, signed and verified by the assertion
// signer: what they claim, and that nothing else passes for one (an identity
// assertion, another key, another typ, an expired token).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { createAssertionSigner } from '../../../src/headers/assertion.ts';
import { generateKey } from '../../../src/headers/keys.ts';
import { accessTokenClaims, grantFromClaims, type AccessGrant } from '../../../src/auth/access-token.ts';
import { alice, assertionConfig, capturingLogger, olgaAsAlice, tempDir } from '../../support/assertion-fixtures.ts';

const PUBLIC_URL = 'http://127.0.0.1:8080';
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

function grant(expiresInSec = 600): AccessGrant {
  return { id: 'imp-42', clientId: 'reporting', target: alice, reason: 'nightly report', mode: 'read-only', rule: 'reporting-job', upstreams: ['wiki'], issuedAt: NOW, expiresAt: NOW + expiresInSec * 1000 };
}

async function signerWithKeyFile(t: Parameters<typeof tempDir>[0], clock: () => number) {
  const file = join(tempDir(t), 'k.jwk');
  const key = generateKey('ES256');
  writeFileSync(file, JSON.stringify(key.export({ format: 'jwk' })), { mode: 0o600 });
  const signer = await createAssertionSigner(assertionConfig(PUBLIC_URL, { keys: [file] }), capturingLogger().logger, { clock });
  assert.ok(signer);
  return { signer, key };
}

test('an access token is at+jwt for actas itself, carries the grant, and reads back as the same grant', async (t) => {
  const { signer } = await signerWithKeyFile(t, () => NOW);
  const g = grant();
  const token = await signer.signAccessToken(accessTokenClaims(g), g.expiresAt);
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', kid: signer.kid, typ: 'at+jwt' });
  const claims = decodeJwt(token);
  assert.equal(claims.aud, `${PUBLIC_URL}/.actas/`);
  assert.equal(signer.accessTokenAudience, `${PUBLIC_URL}/.actas/`);
  assert.deepEqual(claims.act, { sub: 'client:reporting', user: 'reporting' });
  assert.equal(claims.exp, Math.floor(g.expiresAt / 1000));
  assert.deepEqual(grantFromClaims(await signer.verifyAccessToken(token)), g);
});

test('expired, foreign-key, wrong-typ and identity-assertion tokens are all refused', async (t) => {
  let now = NOW;
  const { signer, key } = await signerWithKeyFile(t, () => now);
  const g = grant(60);
  const token = await signer.signAccessToken(accessTokenClaims(g), g.expiresAt);
  now = NOW + 60_000;
  await assert.rejects(signer.verifyAccessToken(token), { code: 'ERR_JWT_EXPIRED' });
  now = NOW;

  const claims = { ...accessTokenClaims(g), iss: PUBLIC_URL, aud: signer.accessTokenAudience, exp: Math.floor(g.expiresAt / 1000) };
  const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: 'at+jwt' }).sign(generateKey('ES256'));
  await assert.rejects(signer.verifyAccessToken(foreign), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  const plainJwt = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: 'JWT' }).sign(key);
  await assert.rejects(signer.verifyAccessToken(plainJwt), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'typ' });

  const assertion = await signer.sign(olgaAsAlice(NOW + 600_000), 'wiki', 'session-1');
  await assert.rejects(signer.verifyAccessToken(assertion), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
});

test('signAccessToken needs a jti', async (t) => {
  const { signer } = await signerWithKeyFile(t, () => NOW);
  await assert.rejects(signer.signAccessToken({ sub: 'alice' }, NOW + 60_000), TypeError);
});

test('a grant with a malformed claim is no grant at all', () => {
  const good: Record<string, unknown> = { ...accessTokenClaims(grant()), exp: Math.floor(NOW / 1000) + 600 };
  assert.ok(grantFromClaims(good));
  for (const bad of [
    { ...good, act: { sub: 'client:someone-else' } },
    { ...good, groups: 'staff' },
    { ...good, actas: { ...(good.actas as object), mode: 'admin' } },
    { ...good, client_id: undefined },
    { ...good, actas: undefined },
  ]) assert.equal(grantFromClaims(bad), undefined, JSON.stringify(bad));
});
