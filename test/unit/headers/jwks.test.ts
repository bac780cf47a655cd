// The JWKS endpoint over real HTTP: public members only (whatever the key
// files held), both paths, cache headers that let a rotation through, 304 on
// a matching ETag, and nothing but GET/HEAD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAssertionSigner } from '../../../src/headers/assertion.ts';
import { generateKey } from '../../../src/headers/keys.ts';
import { assertionConfig, capturingLogger, startJwksServer, tempDir } from '../../support/assertion-fixtures.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

test('serves every configured key, signing key first, with no private member', async (t) => {
  const dir = tempDir(t);
  const files = (['EdDSA', 'RS256', 'ES256'] as const).map((alg) => {
    const file = join(dir, `${alg}.jwk`);
    writeFileSync(file, JSON.stringify({ ...generateKey(alg).export({ format: 'jwk' }), kid: `kid-${alg}` }), { mode: 0o600 });
    return file;
  });
  const jwks = await startJwksServer(t);
  const signer = await createAssertionSigner(assertionConfig(jwks.origin, { keys: files }), capturingLogger().logger);
  assert.ok(signer);
  jwks.holder.jwks = signer.jwks;

  for (const path of ['/.well-known/actas/jwks.json', '/.actas/jwks.json']) {
    const res = await fetch(jwks.origin + path);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/jwk-set+json');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    const raw = await res.text();
    const body = JSON.parse(raw) as { keys: Array<Record<string, unknown>> };
    assert.deepEqual(body.keys.map((k) => [k.kid, k.alg, k.use]), [['kid-EdDSA', 'EdDSA', 'sig'], ['kid-RS256', 'RS256', 'sig'], ['kid-ES256', 'ES256', 'sig']]);
    for (const key of body.keys) {
      for (const member of PRIVATE_MEMBERS) assert.equal(key[member], undefined, `${String(key.kid)} must not publish "${member}"`);
    }
    assert.doesNotMatch(raw, /"d"\s*:/);
  }
});

test('ETag revalidation answers 304, and a new key set gets a new ETag', async (t) => {
  const jwks = await startJwksServer(t);
  const signer = await createAssertionSigner(assertionConfig(jwks.origin), capturingLogger().logger, { allowEphemeral: true });
  assert.ok(signer);
  jwks.holder.jwks = signer.jwks;
  const first = await fetch(jwks.jwksUrl);
  const etag = first.headers.get('etag');
  assert.match(String(etag), /^"[A-Za-z0-9_-]+"$/);
  await first.arrayBuffer();

  const again = await fetch(jwks.jwksUrl, { headers: { 'If-None-Match': `"other", W/${etag}` } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get('etag'), etag);
  assert.equal(again.headers.get('cache-control'), 'public, max-age=300');
  assert.equal(await again.text(), '');

  const rotated = await createAssertionSigner(assertionConfig(jwks.origin), capturingLogger().logger, { allowEphemeral: true });
  assert.ok(rotated);
  jwks.holder.jwks = { keys: [...rotated.jwks.keys, ...signer.jwks.keys] };
  const after = await fetch(jwks.jwksUrl, { headers: { 'If-None-Match': String(etag) } });
  assert.equal(after.status, 200, 'the old ETag no longer matches once keys change');
  assert.notEqual(after.headers.get('etag'), etag);
  assert.equal(((await after.json()) as { keys: unknown[] }).keys.length, 2);
});

test('HEAD has the headers without a body; other methods get 405', async (t) => {
  const jwks = await startJwksServer(t);
  const signer = await createAssertionSigner(assertionConfig(jwks.origin), capturingLogger().logger, { allowEphemeral: true });
  assert.ok(signer);
  jwks.holder.jwks = signer.jwks;
  const head = await fetch(jwks.jwksUrl, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.ok(Number(head.headers.get('content-length')) > 0);
  assert.equal(await head.text(), '');
  const post = await fetch(jwks.jwksUrl, { method: 'POST', body: '{}' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  await post.arrayBuffer();
});
