// actas/verify against a real JWKS server: valid tokens (with and without act)
// pass; tampered, wrong-audience, wrong-issuer, expired, unknown-key, alg:none
// and HS256-confusion tokens fail with ERR_ACTAS_ASSERTION_INVALID; an
// upstream guarded by requireAssertion answers 401 and never runs its handler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, decodeProtectedHeader, SignJWT } from 'jose';
import { createAssertionVerifier, requireAssertion, assertionOf, AssertionInvalidError, type AssertionVerifier } from 'actas/verify';
import { createAssertionSigner, type AssertionSigner } from '../../../src/headers/assertion.ts';
import { alice, assertionConfig, capturingLogger, olgaAsAlice, startJwksServer, type JwksServer } from '../../support/assertion-fixtures.ts';
import type { TestContext } from 'node:test';

async function setup(t: TestContext, clock?: () => number): Promise<{ jwks: JwksServer; signer: AssertionSigner; verifier: AssertionVerifier }> {
  const jwks = await startJwksServer(t);
  const signer = await createAssertionSigner(assertionConfig(jwks.origin), capturingLogger().logger, { allowEphemeral: true, ...(clock ? { clock } : {}) });
  assert.ok(signer);
  jwks.holder.jwks = signer.jwks;
  const verifier = createAssertionVerifier({ jwksUrl: jwks.jwksUrl, issuer: jwks.origin, audience: 'wiki', cooldownDuration: 0 });
  return { jwks, signer, verifier };
}

/** Asserts the promise rejects with the helper's invalid-assertion code and returns the jose reason. */
async function rejectsInvalid(promise: Promise<unknown>): Promise<string> {
  let reason = '';
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof AssertionInvalidError, `expected AssertionInvalidError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_ACTAS_ASSERTION_INVALID');
    assert.equal(err.status, 401);
    reason = err.reason;
    return true;
  });
  return reason;
}

test('a valid assertion is accepted, with the actor and impersonation while acting as', async (t) => {
  const { signer, verifier } = await setup(t);
  const plain = await verifier.verify(await signer.sign({ user: alice }, 'wiki', 's1'));
  assert.equal(plain.user, 'alice');
  assert.equal(plain.sub, 'sub-alice');
  assert.equal(plain.email, 'alice@example.org');
  assert.equal(plain.name, 'Alice Liddell');
  assert.deepEqual(plain.groups, ['staff', 'wiki-editors']);
  assert.equal(plain.actor, undefined);
  assert.equal(plain.impersonation, undefined);

  const expiresAt = Math.floor(Date.now() / 1000) * 1000 + 600_000;
  const acting = await verifier.verify({ 'x-actas-jwt-assertion': await signer.sign(olgaAsAlice(expiresAt), 'wiki', 's1') });
  assert.equal(acting.user, 'alice', 'the effective user is the target');
  assert.deepEqual(acting.actor, { sub: 'sub-olga', user: 'olga', email: 'olga@example.org' });
  assert.deepEqual(acting.impersonation, { reason: 'ticket 4711: page renders blank', mode: 'read-only', expiresAt });
  assert.equal(acting.sessionHash, plain.sessionHash);
});

test('headers may be a node headers object, a fetch Headers or a request', async (t) => {
  const { signer, verifier } = await setup(t);
  const token = await signer.sign({ user: alice }, 'wiki', 's1');
  assert.equal((await verifier.verify(new Headers({ 'X-Actas-Jwt-Assertion': token }))).user, 'alice');
  assert.equal((await verifier.verify({ headers: { 'x-actas-jwt-assertion': token } })).user, 'alice');
  assert.equal((await verifier.verify({ 'X-ACTAS-JWT-ASSERTION': token })).user, 'alice');
  await assert.rejects(verifier.verify({}), { code: 'ERR_ACTAS_ASSERTION_MISSING', status: 401 });
  await assert.rejects(verifier.verify({ 'x-actas-jwt-assertion': [token, token] }), { code: 'ERR_ACTAS_ASSERTION_INVALID' });
});

test('tampered, wrong audience, wrong issuer, expired, unknown key, alg none and HS256 are rejected', async (t) => {
  const past = Date.now() - 10 * 60_000;
  const { jwks, signer, verifier } = await setup(t);
  const token = await signer.sign({ user: alice }, 'wiki', 's1');
  const [h, p, s] = token.split('.') as [string, string, string];

  const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>;
  const tampered = `${h}.${base64url.encode(JSON.stringify({ ...payload, groups: ['admins'] }))}.${s}`;
  assert.equal(await rejectsInvalid(verifier.verify(tampered)), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');

  assert.equal(await rejectsInvalid(verifier.verify(await signer.sign({ user: alice }, 'grafana', 's1'))), 'ERR_JWT_CLAIM_VALIDATION_FAILED');

  const otherIssuer = createAssertionVerifier({ jwksUrl: jwks.jwksUrl, issuer: 'https://actas.example.org', audience: 'wiki' });
  assert.equal(await rejectsInvalid(otherIssuer.verify(token)), 'ERR_JWT_CLAIM_VALIDATION_FAILED');

  const earlier = await createAssertionSigner(assertionConfig(jwks.origin), capturingLogger().logger, { allowEphemeral: true, clock: () => past });
  assert.ok(earlier);
  jwks.holder.jwks = { keys: [...signer.jwks.keys, ...earlier.jwks.keys] };
  assert.equal(await rejectsInvalid(verifier.verify(await earlier.sign({ user: alice }, 'wiki', 's1'))), 'ERR_JWT_EXPIRED');
  jwks.holder.jwks = signer.jwks;

  const stranger = await createAssertionSigner(assertionConfig(jwks.origin), capturingLogger().logger, { allowEphemeral: true });
  assert.ok(stranger);
  assert.equal(await rejectsInvalid(verifier.verify(await stranger.sign({ user: alice }, 'wiki', 's1'))), 'ERR_JWKS_NO_MATCHING_KEY');
  // A stranger's signature under our kid.
  const forged = (await stranger.sign({ user: alice }, 'wiki', 's1')).split('.')[2];
  assert.equal(await rejectsInvalid(verifier.verify(`${h}.${p}.${forged}`)), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');

  const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: signer.kid }))}.${p}.`;
  assert.equal(await rejectsInvalid(verifier.verify(none)), 'ERR_JOSE_ALG_NOT_ALLOWED');

  // The classic confusion: an HMAC keyed with the published public key.
  const hs = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: signer.kid })
    .sign(new TextEncoder().encode(JSON.stringify(signer.jwks.keys[0])));
  assert.equal(decodeProtectedHeader(hs).alg, 'HS256');
  assert.equal(await rejectsInvalid(verifier.verify(hs)), 'ERR_JOSE_ALG_NOT_ALLOWED');

  assert.equal(await rejectsInvalid(verifier.verify('not.a.jwt')), 'ERR_JWS_INVALID');
});

test('the verifier refuses unsafe algorithm lists', () => {
  for (const algorithms of [['none'], ['HS256'], []]) {
    assert.throws(() => createAssertionVerifier({ jwksUrl: 'http://127.0.0.1:9/jwks.json', issuer: 'http://x', audience: 'wiki', algorithms: algorithms as never }), TypeError);
  }
});

test('unreachable keys fail closed with ERR_ACTAS_ASSERTION_JWKS_UNAVAILABLE (503)', async (t) => {
  const { signer, jwks } = await setup(t);
  const token = await signer.sign({ user: alice }, 'wiki', 's1');
  const wrongPath = createAssertionVerifier({ jwksUrl: `${jwks.origin}/nowhere.json`, issuer: jwks.origin, audience: 'wiki' });
  await assert.rejects(wrongPath.verify(token), { code: 'ERR_ACTAS_ASSERTION_JWKS_UNAVAILABLE', status: 503 });

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const down = createAssertionVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer: jwks.origin, audience: 'wiki' });
  await assert.rejects(down.verify(token), { code: 'ERR_ACTAS_ASSERTION_JWKS_UNAVAILABLE', status: 503 });
});

/** Sends a GET with raw header lines (node keeps repeated headers as given). */
function get(url: string, headers: Record<string, string | string[]>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('requireAssertion: 401 without a valid assertion, the handler runs only with one', async (t) => {
  const { signer, verifier } = await setup(t);
  let handled = 0;
  const refusals: string[] = [];
  const guard = requireAssertion(verifier, { onError: (err) => refusals.push(err.code) });
  const upstream = createServer((req, res) => {
    void guard(req, res, () => {
      handled++;
      const who = assertionOf(req);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ user: who?.user, actor: who?.actor?.user ?? null }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/page`;

  const missing = await get(url, {});
  assert.equal(missing.status, 401);
  assert.deepEqual(JSON.parse(missing.body), { error: 'unauthorized', code: 'ERR_ACTAS_ASSERTION_MISSING' });

  const token = await signer.sign(olgaAsAlice(Date.now() + 600_000), 'wiki', 's1');
  const wrongAud = await get(url, { 'X-Actas-Jwt-Assertion': await signer.sign({ user: alice }, 'grafana', 's1') });
  assert.equal(wrongAud.status, 401);
  assert.equal(JSON.parse(wrongAud.body).code, 'ERR_ACTAS_ASSERTION_INVALID');
  const twice = await get(url, { 'X-Actas-Jwt-Assertion': [token, token] });
  assert.equal(twice.status, 401);
  assert.equal(handled, 0, 'no refused request reached the handler');

  const ok = await get(url, { 'X-Actas-Jwt-Assertion': token });
  assert.equal(ok.status, 200);
  assert.deepEqual(JSON.parse(ok.body), { user: 'alice', actor: 'olga' });
  assert.equal(handled, 1);
  assert.deepEqual(refusals, ['ERR_ACTAS_ASSERTION_MISSING', 'ERR_ACTAS_ASSERTION_INVALID', 'ERR_ACTAS_ASSERTION_INVALID']);
});
