// Key rotation as an operator does it: publish the new key ahead, sign with
// it while the old one is still listed, then drop the old one. Upstreams
// follow through the JWKS alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { createAssertionVerifier } from 'actas/verify';
import { createAssertionSigner } from '../../../src/headers/assertion.ts';
import { runKeygenCommand } from '../../../src/cli/keygen.ts';
import { alice, assertionConfig, capturingLogger, startJwksServer, tempDir } from '../../support/assertion-fixtures.ts';
import { Writable } from 'node:stream';

const quiet = { stdout: new Writable({ write: (_c, _e, done) => done() }), stderr: new Writable({ write: (_c, _e, done) => done() }) };

test('keys [new, old]: both published, new signs; old tokens verify until old is dropped', async (t) => {
  const dir = tempDir(t);
  const oldFile = join(dir, 'old.jwk');
  const newFile = join(dir, 'new.jwk');
  assert.equal(await runKeygenCommand(['--alg', 'RS256', '--out', oldFile, '--kid', 'old'], quiet), 0);
  assert.equal(await runKeygenCommand(['--alg', 'ES256', '--out', newFile, '--kid', 'new'], quiet), 0);
  const jwks = await startJwksServer(t);
  const logger = capturingLogger().logger;

  const before = await createAssertionSigner(assertionConfig(jwks.origin, { keys: [oldFile] }), logger);
  assert.ok(before);
  jwks.holder.jwks = before.jwks;
  const verifier = createAssertionVerifier({ jwksUrl: jwks.jwksUrl, issuer: jwks.origin, audience: 'wiki', cooldownDuration: 0 });
  const oldToken = await before.sign({ user: alice }, 'wiki', 's1');
  assert.equal((await verifier.verify(oldToken)).user, 'alice');

  // Step 1: the new key goes first; the old one stays published.
  const during = await createAssertionSigner(assertionConfig(jwks.origin, { keys: [newFile, oldFile] }), logger);
  assert.ok(during);
  assert.deepEqual(during.jwks.keys.map((k) => k.kid), ['new', 'old']);
  jwks.holder.jwks = during.jwks;
  const newToken = await during.sign({ user: alice }, 'wiki', 's1');
  assert.equal(decodeProtectedHeader(newToken).kid, 'new');
  const fetchesBefore = jwks.fetches();
  assert.equal((await verifier.verify(newToken)).user, 'alice', 'an unknown kid makes the verifier refetch');
  assert.equal(jwks.fetches(), fetchesBefore + 1);
  assert.equal((await verifier.verify(oldToken)).user, 'alice', 'still listed, still trusted');

  // Step 2: the old key is dropped; once the verifier refetches, its tokens fail.
  const after = await createAssertionSigner(assertionConfig(jwks.origin, { keys: [newFile] }), logger);
  assert.ok(after);
  jwks.holder.jwks = after.jwks;
  await verifier.reload();
  await assert.rejects(verifier.verify(oldToken), { code: 'ERR_ACTAS_ASSERTION_INVALID', reason: 'ERR_JWKS_NO_MATCHING_KEY' });
  assert.equal((await verifier.verify(newToken)).user, 'alice');

  // The same happens by itself once the cached set is older than cacheMaxAge.
  const shortCache = createAssertionVerifier({ jwksUrl: jwks.jwksUrl, issuer: jwks.origin, audience: 'wiki', cacheMaxAge: 0 });
  jwks.holder.jwks = during.jwks;
  assert.equal((await shortCache.verify(oldToken)).user, 'alice');
  jwks.holder.jwks = after.jwks;
  await assert.rejects(shortCache.verify(oldToken), { code: 'ERR_ACTAS_ASSERTION_INVALID' });
});
