// The assertion as the upstream receives it from the running proxy: an
// independent verifier (PyJWT) accepts it against actas's live JWKS, and a
// key rotation across restarts keeps old tokens valid exactly while their key
// is still published.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startStack, type Stack } from '../../support/stack.ts';
import { impersonationConfig, startActingAs } from '../../support/impersonation.ts';
import { pyjwtMissing, pyjwtVerify } from '../../support/python.ts';
import { runKeygenCommand } from '../../../src/cli/keygen.ts';
import { createAssertionVerifier } from 'actas/verify';

const stacks: Stack[] = [];
after(async () => { for (const s of stacks.reverse()) await s.close(); });

const missing = pyjwtMissing();
if (missing) console.log(`# PyJWT checks cannot run: ${missing}`);

test('PyJWT verifies the assertion the upstream received, against the live JWKS, with act while impersonating', { skip: missing }, async () => {
  const stack = await startStack({ configure: impersonationConfig });
  stacks.push(stack);
  const jwks = `${stack.url}/.well-known/actas/jwks.json`;
  const alice = await stack.loginAs('alice');
  await alice.request(`${stack.url}/py-alice`, { headers: { 'x-actas-jwt-assertion': 'forged', 'X_Actas_Jwt_Assertion': 'forged' } });
  const token = String(stack.upstream.last('/py-alice')!.headers['x-actas-jwt-assertion']);
  assert.notEqual(token, 'forged');
  const plain = await pyjwtVerify(token, jwks, stack.url, 'app');
  assert.equal(plain.code, 0, plain.stderr);
  const claims = JSON.parse(plain.stdout) as Record<string, unknown>;
  assert.equal(claims.user, 'alice');
  assert.equal(claims.act, undefined);
  assert.equal((await pyjwtVerify(token, jwks, stack.url, 'another-app')).code, 1, 'another audience is refused');

  const admin = await stack.loginAs('admin');
  await startActingAs(admin, stack.url, 'alice');
  await admin.request(`${stack.url}/py-acting`);
  const acting = await pyjwtVerify(String(stack.upstream.last('/py-acting')!.headers['x-actas-jwt-assertion']), jwks, stack.url, 'app');
  assert.equal(acting.code, 0, acting.stderr);
  const actClaims = JSON.parse(acting.stdout) as { sub: string; act: { sub: string; user: string }; actas: { reason: string; mode: string } };
  assert.equal(actClaims.sub, 'alice');
  assert.deepEqual([actClaims.act.sub, actClaims.act.user], ['admin', 'admin']);
  assert.equal(actClaims.actas.mode, 'read-only');
});

test('rotation across restarts: old tokens verify while their key is listed, not after', async () => {
  const first = await startStack();
  stacks.push(first);
  const io = { stdout: new PassThrough(), stderr: new PassThrough() };
  const [oldKey, newKey] = [join(first.dir, 'old.jwk'), join(first.dir, 'new.jwk')];
  assert.equal(await runKeygenCommand(['--alg', 'ES256', '--out', oldKey, '--kid', 'old'], io), 0);
  assert.equal(await runKeygenCommand(['--alg', 'EdDSA', '--out', newKey, '--kid', 'new'], io), 0);
  await first.stopActas();

  const withKeys = async (keys: string[]) => {
    const s = await startStack({
      shared: { idp: first.idp, upstream: first.upstream, port: Number(new URL(first.url).port), dir: first.dir },
      configure: (c) => { c.identity = { assertion: { keys } }; },
    });
    stacks.push(s);
    return s;
  };
  const verifier = () => createAssertionVerifier({ jwksUrl: `${first.url}/.well-known/actas/jwks.json`, issuer: first.url, audience: 'app', cooldownDuration: 0 });

  const a = await withKeys([oldKey]);
  const alice = await a.loginAs('alice');
  await alice.request(`${a.url}/rot-1`);
  const oldToken = String(first.upstream.last('/rot-1')!.headers['x-actas-jwt-assertion']);
  assert.equal((await verifier().verify(oldToken)).user, 'alice');
  await a.stopActas();

  const b = await withKeys([newKey, oldKey]);
  const bob = await b.loginAs('bob');
  await bob.request(`${b.url}/rot-2`);
  const newToken = String(first.upstream.last('/rot-2')!.headers['x-actas-jwt-assertion']);
  assert.equal(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()).kid, 'new', 'the first key signs');
  assert.equal((await verifier().verify(oldToken)).user, 'alice', 'the old key is still published');
  await b.stopActas();

  await withKeys([newKey]);
  await assert.rejects(verifier().verify(oldToken), (err: { code?: string }) => err.code === 'ERR_ACTAS_ASSERTION_INVALID');
  assert.equal((await verifier().verify(newToken)).user, 'bob');
});
