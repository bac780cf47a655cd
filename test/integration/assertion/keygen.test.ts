// `actas keygen`: every algorithm makes a key that the signer loads and whose
// tokens verify through the served JWKS; files are 0600 and never silently
// overwritten; PEM (keygen's or openssl-style PKCS#8) works as well as JWK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { decodeProtectedHeader } from 'jose';
import { createAssertionVerifier } from 'actas/verify';
import { runKeygenCommand } from '../../../src/cli/keygen.ts';
import { createAssertionSigner } from '../../../src/headers/assertion.ts';
import { alice, assertionConfig, capturingLogger, startJwksServer, tempDir } from '../../support/assertion-fixtures.ts';
import type { TestContext } from 'node:test';

function captureIo(): { io: { stdout: Writable; stderr: Writable }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: new Writable({ write(c, _e, done) { out += String(c); done(); } }),
      stderr: new Writable({ write(c, _e, done) { err += String(c); done(); } }),
    },
    out: () => out,
    err: () => err,
  };
}

/** Loads `file` as the only key, signs, and verifies through a served JWKS; returns the token's header. */
async function signAndVerify(t: TestContext, file: string): Promise<{ alg?: string; kid?: string }> {
  const jwks = await startJwksServer(t);
  const signer = await createAssertionSigner(assertionConfig(jwks.origin, { keys: [file] }), capturingLogger().logger);
  assert.ok(signer);
  jwks.holder.jwks = signer.jwks;
  const token = await signer.sign({ user: alice }, 'wiki', 's1');
  const verifier = createAssertionVerifier({ jwksUrl: jwks.jwksUrl, issuer: jwks.origin, audience: 'wiki' });
  assert.equal((await verifier.verify(token)).user, 'alice');
  return decodeProtectedHeader(token);
}

const modeOf = (file: string) => statSync(file).mode & 0o777;

for (const alg of ['ES256', 'RS256', 'EdDSA']) {
  test(`keygen --alg ${alg} writes a 0600 JWK that signs verifiable tokens`, async (t) => {
    const file = join(tempDir(t), `${alg}.jwk`);
    const cli = captureIo();
    assert.equal(await runKeygenCommand(['--alg', alg, '--out', file, '--kid', `${alg.toLowerCase()}-1`], cli.io), 0, cli.err());
    assert.match(cli.out(), new RegExp(`kid ${alg.toLowerCase()}-1`));
    if (process.platform !== 'win32') assert.equal(modeOf(file), 0o600);
    const jwk = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(jwk.kid, `${alg.toLowerCase()}-1`);
    assert.equal(jwk.alg, alg);
    assert.deepEqual(await signAndVerify(t, file), { alg, kid: `${alg.toLowerCase()}-1`, typ: 'JWT' });
  });
}

test('keygen --format pem and an openssl-style PKCS#8 file both load (kid: thumbprint)', async (t) => {
  const dir = tempDir(t);
  const pem = join(dir, 'keygen.pem');
  assert.equal(await runKeygenCommand(['--alg', 'EdDSA', '--format', 'pem', '--out', pem], captureIo().io), 0);
  assert.match(readFileSync(pem, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  const header = await signAndVerify(t, pem);
  assert.equal(header.alg, 'EdDSA');
  assert.match(String(header.kid), /^[A-Za-z0-9_-]{43}$/);

  const external = join(dir, 'external.pem');
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  writeFileSync(external, key.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  assert.equal((await signAndVerify(t, external)).alg, 'ES256');
});

test('keygen refuses to overwrite unless --force, and --force keeps mode 0600', async (t) => {
  const file = join(tempDir(t), 'key.jwk');
  assert.equal(await runKeygenCommand(['--out', file], captureIo().io), 0);
  const original = readFileSync(file, 'utf8');
  const again = captureIo();
  assert.equal(await runKeygenCommand(['--out', file], again.io), 1);
  assert.match(again.err(), /already exists; pass --force/);
  assert.equal(readFileSync(file, 'utf8'), original, 'the existing key is untouched');

  writeFileSync(file, original, { mode: 0o644 });
  assert.equal(await runKeygenCommand(['--out', file, '--alg', 'RS256', '--force'], captureIo().io), 0);
  assert.notEqual(readFileSync(file, 'utf8'), original);
  assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { kty: string }).kty, 'RSA');
  if (process.platform !== 'win32') assert.equal(modeOf(file), 0o600);
});

test('keygen usage mistakes exit 2 and write nothing', async (t) => {
  const dir = tempDir(t);
  for (const args of [['--alg', 'HS256', '--out', join(dir, 'a')], [], ['--out', join(dir, 'b'), '--format', 'pem', '--kid', 'x'], ['--out', join(dir, 'c'), 'extra']]) {
    const cli = captureIo();
    assert.equal(await runKeygenCommand(args, cli.io), 2, args.join(' '));
    assert.match(cli.err(), /usage: actas keygen/);
  }
  assert.throws(() => statSync(join(dir, 'a')), { code: 'ENOENT' });
});
