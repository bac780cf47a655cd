// Key files: JWK and PEM in, kid from the JWK or its RFC 7638 thumbprint, the
// public part only out, and every unusable file reported by its option path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { loadKeyFiles, parseKey, publicJwkOf, generateKey, KeyProblem } from '../../../src/headers/keys.ts';
import { tempDir } from '../../support/assertion-fixtures.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

test('a JWK keeps its own kid; without one the kid is the RFC 7638 thumbprint', async () => {
  const jwk = generateKey('ES256').export({ format: 'jwk' });
  const named = await parseKey(JSON.stringify({ ...jwk, kid: 'signing-2025' }), 'mem');
  assert.equal(named.kid, 'signing-2025');
  assert.equal(named.alg, 'ES256');
  const unnamed = await parseKey(JSON.stringify(jwk), 'mem');
  const { d: _d, ...pub } = jwk;
  assert.equal(unnamed.kid, await calculateJwkThumbprint(pub as JWK, 'sha256'));
  assert.ok(unnamed.privateKey, 'a JWK with "d" is a private key');
});

test('PKCS#8 PEM keys of each algorithm load, with the thumbprint as kid', async () => {
  const cases = [
    { alg: 'ES256', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey },
    { alg: 'RS256', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey },
    { alg: 'EdDSA', key: generateKeyPairSync('ed25519').privateKey },
  ];
  for (const { alg, key } of cases) {
    const loaded = await parseKey(String(key.export({ format: 'pem', type: 'pkcs8' })), 'mem');
    assert.equal(loaded.alg, alg);
    assert.equal(loaded.kid, await calculateJwkThumbprint(loaded.publicJwk, 'sha256'));
    assert.ok(loaded.privateKey);
  }
});

test('the published JWK carries only public members, kid, alg and use', () => {
  for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) {
    const jwk = publicJwkOf(generateKey(alg), 'k1', alg) as Record<string, unknown>;
    for (const member of PRIVATE_MEMBERS) assert.equal(jwk[member], undefined, `${alg} JWK must not contain "${member}"`);
    assert.equal(jwk.kid, 'k1');
    assert.equal(jwk.alg, alg);
    assert.equal(jwk.use, 'sig');
  }
});

test('keys actas cannot sign with are refused with a reason', async () => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' });
  await assert.rejects(parseKey(String(p384), 'mem'), (err: Error) => err instanceof KeyProblem && /P-256/.test(err.message));
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
  await assert.rejects(parseKey(String(rsa1024), 'mem'), /too short/);
  const hmac = { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' };
  await assert.rejects(parseKey(JSON.stringify(hmac), 'mem'), KeyProblem);
  const mislabelled = { ...generateKey('ES256').export({ format: 'jwk' }), alg: 'RS256' };
  await assert.rejects(parseKey(JSON.stringify(mislabelled), 'mem'), /can only be used with ES256/);
  await assert.rejects(parseKey('hello', 'mem'), /JWK \(JSON\) or a PEM/);
});

test('loadKeyFiles reports every problem by option path and keeps file order', async (t) => {
  const dir = tempDir(t);
  const good = join(dir, 'good.jwk');
  writeFileSync(good, JSON.stringify({ ...generateKey('EdDSA').export({ format: 'jwk' }), kid: 'new' }), { mode: 0o600 });
  const old = join(dir, 'old.pub.jwk');
  writeFileSync(old, JSON.stringify(publicJwkOf(generateKey('ES256'), 'old', 'ES256')));
  const garbage = join(dir, 'garbage.pem');
  writeFileSync(garbage, '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n', { mode: 0o600 });

  const ok = await loadKeyFiles([good, old]);
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.keys.map((k) => k.kid), ['new', 'old']);
  assert.equal(ok.keys[1]!.privateKey, undefined, 'a later key may be public only');

  const bad = await loadKeyFiles([old, join(dir, 'missing.jwk'), garbage, good, good], 'ES256');
  const byIndex = (i: number) => bad.problems.filter((p) => p.startsWith(`identity.assertion.keys[${i}]:`));
  assert.match(byIndex(0).join('\n'), /must be a private key/);
  assert.match(byIndex(1).join('\n'), /cannot read .*ENOENT/);
  assert.match(byIndex(2).join('\n'), /not a usable PEM key/);
  assert.deepEqual(byIndex(3), [], 'a later key need not match identity.assertion.alg');
  assert.match(byIndex(4).join('\n'), /kid "new" is already used by identity.assertion.keys\[3\]/);
});

test('a private key file readable by others is loaded with a warning', async (t) => {
  const file = join(tempDir(t), 'open.jwk');
  writeFileSync(file, JSON.stringify(generateKey('ES256').export({ format: 'jwk' })), { mode: 0o644 });
  const loaded = await loadKeyFiles([file]);
  assert.deepEqual(loaded.problems, []);
  if (process.platform === 'win32') return;
  assert.match(loaded.warnings.join('\n'), /readable by other users/);
});
