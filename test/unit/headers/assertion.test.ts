// The assertion signer: when it refuses to start, which claims it signs (and
// with which key), and when it reuses a token instead of signing a new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { createAssertionSigner, createSessionHasher, type AssertionSigner } from '../../../src/headers/assertion.ts';
import { generateKey } from '../../../src/headers/keys.ts';
import { ConfigError } from '../../../src/errors.ts';
import { registry } from '../../../src/ops/metrics.ts';
import { alice, assertionConfig, capturingLogger, olgaAsAlice, tempDir, SESSION_SECRET } from '../../support/assertion-fixtures.ts';

const PUBLIC_URL = 'http://127.0.0.1:8080/';

async function ephemeralSigner(assertion: Record<string, unknown> = {}, clock?: () => number): Promise<AssertionSigner> {
  const signer = await createAssertionSigner(assertionConfig(PUBLIC_URL, assertion), capturingLogger().logger, { allowEphemeral: true, ...(clock ? { clock } : {}) });
  assert.ok(signer);
  return signer;
}

test('disabled: no signer at all', async () => {
  assert.equal(await createAssertionSigner(assertionConfig(PUBLIC_URL, { enabled: false }), capturingLogger().logger), undefined);
});

test('enabled with no key: serve refuses with a ConfigError naming identity.assertion.keys', async () => {
  await assert.rejects(createAssertionSigner(assertionConfig(PUBLIC_URL), capturingLogger().logger), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'ERR_ACTAS_CONFIG_INVALID');
    assert.match(err.problems.join('\n'), /^identity\.assertion\.keys: .*identity\.assertion\.enabled: false/);
    return true;
  });
});

test('the demo signs with an ephemeral key and says so in a warning', async () => {
  const { logger, lines } = capturingLogger();
  const signer = await createAssertionSigner(assertionConfig(PUBLIC_URL), logger, { allowEphemeral: true });
  assert.ok(signer);
  const warning = lines.find((l) => l.level === 40);
  assert.ok(warning, 'a warning is logged');
  assert.match(String(warning.msg), /ephemeral key/);
  assert.equal(warning.kid, signer.kid);
});

test('an unreadable or unusable key file is a ConfigError naming identity.assertion.keys[i]', async (t) => {
  const dir = tempDir(t);
  const good = join(dir, 'good.jwk');
  writeFileSync(good, JSON.stringify(generateKey('ES256').export({ format: 'jwk' })), { mode: 0o600 });
  const broken = join(dir, 'broken.jwk');
  writeFileSync(broken, '{"kty":"EC"', { mode: 0o600 });
  const config = assertionConfig(PUBLIC_URL, { keys: [good, broken, join(dir, 'absent.jwk')] });
  // allowEphemeral never papers over a configured key that does not load.
  await assert.rejects(createAssertionSigner(config, capturingLogger().logger, { allowEphemeral: true }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 2);
    assert.match(err.problems[0]!, /^identity\.assertion\.keys\[1\]: .*broken\.jwk: not valid JSON/);
    assert.match(err.problems[1]!, /^identity\.assertion\.keys\[2\]: cannot read .*absent\.jwk/);
    return true;
  });
});

test('claims: iss, aud, sub, user, email, groups, name, iat, exp, jti and a hashed sid', async () => {
  const now = Date.UTC(2030, 0, 1, 12, 0, 0);
  const signer = await ephemeralSigner({ ttl: '60s' }, () => now);
  const token = await signer.sign({ user: alice }, 'wiki', 'session-id-1');
  const header = decodeProtectedHeader(token);
  assert.deepEqual(header, { alg: 'ES256', kid: signer.kid, typ: 'JWT' }, 'ES256 by default, kid in the header');
  const { payload } = await jwtVerify(token, createLocalJWKSet(signer.jwks), { issuer: 'http://127.0.0.1:8080', audience: 'wiki', currentDate: new Date(now) });
  const { jti, sid, ...rest } = payload;
  assert.deepEqual(rest, {
    iss: 'http://127.0.0.1:8080',
    aud: 'wiki',
    sub: 'sub-alice',
    user: 'alice',
    email: 'alice@example.org',
    groups: ['staff', 'wiki-editors'],
    name: 'Alice Liddell',
    iat: now / 1000,
    exp: now / 1000 + 60,
  });
  assert.match(String(jti), /^[A-Za-z0-9_-]{16,}$/);
  assert.equal(sid, createSessionHasher(SESSION_SECRET)('session-id-1'));
  assert.ok(!String(sid).includes('session-id-1'));
  assert.notEqual(createSessionHasher(SESSION_SECRET)('session-id-2'), sid, 'another session, another sid');
  assert.equal(payload.act, undefined);
  assert.equal(payload.actas, undefined);
});

test('impersonating: act (RFC 8693) and actas with expires_at in epoch seconds, exp never past it', async () => {
  const now = Date.UTC(2030, 0, 1, 12, 0, 0);
  const signer = await ephemeralSigner({ ttl: '60s' }, () => now);
  const far = decodeJwt(await signer.sign(olgaAsAlice(now + 3_600_000), 'wiki', 's1'));
  assert.equal(far.sub, 'sub-alice');
  assert.equal(far.user, 'alice');
  assert.deepEqual(far.act, { sub: 'sub-olga', user: 'olga', email: 'olga@example.org' });
  assert.deepEqual(far.actas, { reason: 'ticket 4711: page renders blank', mode: 'read-only', expires_at: now / 1000 + 3600 });
  assert.equal(far.exp, now / 1000 + 60);
  const ending = decodeJwt(await signer.sign(olgaAsAlice(now + 20_000), 'wiki', 's1'));
  assert.equal(ending.exp, now / 1000 + 20, 'the token ends with the impersonation');
});

test('RS256 and EdDSA are selectable and published with their alg', async () => {
  for (const alg of ['RS256', 'EdDSA'] as const) {
    const signer = await ephemeralSigner({ alg });
    const token = await signer.sign({ user: alice }, 'wiki', undefined);
    assert.equal(decodeProtectedHeader(token).alg, alg);
    assert.equal(signer.jwks.keys[0]!.alg, alg);
    const { payload } = await jwtVerify(token, createLocalJWKSet(signer.jwks), { audience: 'wiki', algorithms: [alg] });
    assert.equal(payload.sid, undefined, 'no session, no sid');
  }
});

test('reuse: the same identity gets the same token until half its lifetime has passed', async () => {
  let now = Date.UTC(2030, 0, 1, 12, 0, 0);
  const signer = await ephemeralSigner({ ttl: '60s' }, () => now);
  const first = await signer.sign({ user: alice }, 'wiki', 's1');
  assert.equal(await signer.sign({ user: { ...alice, groups: [...alice.groups] } }, 'wiki', 's1'), first, 'an equal identity reuses the token');
  now += 29_000;
  assert.equal(await signer.sign({ user: alice }, 'wiki', 's1'), first, 'still more than half of 60 s left');
  now += 2_000;
  const second = await signer.sign({ user: alice }, 'wiki', 's1');
  assert.notEqual(second, first, 'less than half left: a new token');
  assert.notEqual(decodeJwt(second).jti, decodeJwt(first).jti);
});

test('reuse never crosses a change of groups, impersonation, audience or session', async () => {
  const now = Date.UTC(2030, 0, 1, 12, 0, 0);
  const signer = await ephemeralSigner({}, () => now);
  const base = await signer.sign({ user: alice }, 'wiki', 's1');
  const variants = [
    await signer.sign({ user: { ...alice, groups: ['staff'] } }, 'wiki', 's1'),
    await signer.sign({ user: { ...alice, groups: ['wiki-editors', 'staff'] } }, 'wiki', 's1'),
    await signer.sign({ user: { ...alice, email: 'alice@other.example' } }, 'wiki', 's1'),
    await signer.sign(olgaAsAlice(now + 600_000), 'wiki', 's1'),
    await signer.sign(olgaAsAlice(now + 600_000, 'another reason entirely'), 'wiki', 's1'),
    await signer.sign(olgaAsAlice(now + 900_000), 'wiki', 's1'),
    await signer.sign({ user: alice }, 'grafana', 's1'),
    await signer.sign({ user: alice }, 'wiki', 's2'),
    await signer.sign({ user: alice }, 'wiki', undefined),
  ];
  assert.equal(new Set([base, ...variants]).size, variants.length + 1, 'every change signs a new token');
  assert.deepEqual(decodeJwt(variants[0]!).groups, ['staff']);
  assert.equal(await signer.sign({ user: alice }, 'wiki', 's1'), base, 'and the original is still reused');
});

test('the cache is bounded: the least recently used token is evicted; cacheSize 0 signs every time', async () => {
  const signer = await ephemeralSigner({ cacheSize: 2 });
  const a = await signer.sign({ user: alice }, 'a', 's');
  const b = await signer.sign({ user: alice }, 'b', 's');
  assert.equal(await signer.sign({ user: alice }, 'a', 's'), a, 'a is now the most recent');
  await signer.sign({ user: alice }, 'c', 's'); // evicts b
  assert.equal(await signer.sign({ user: alice }, 'a', 's'), a);
  const b2 = await signer.sign({ user: alice }, 'b', 's');
  assert.notEqual(b2, b, 'b was evicted, so it is signed again');
  assert.equal(decodeJwt(b2).aud, 'b');

  const uncached = await ephemeralSigner({ cacheSize: 0 });
  assert.notEqual(await uncached.sign({ user: alice }, 'wiki', 's'), await uncached.sign({ user: alice }, 'wiki', 's'));
});

test('concurrent requests of one session share one signature, and the metric counts reuse', async () => {
  const signer = await ephemeralSigner();
  const metric = async (source: string) => (await registry.getSingleMetric('actas_assertion_tokens_total')!.get()).values.find((v) => v.labels.source === source)?.value ?? 0;
  const [signedBefore, reusedBefore] = [await metric('signed'), await metric('reused')];
  const tokens = await Promise.all(Array.from({ length: 20 }, () => signer.sign({ user: alice }, 'wiki', 'same')));
  assert.equal(new Set(tokens).size, 1);
  assert.equal(await metric('signed') - signedBefore, 1);
  assert.equal(await metric('reused') - reusedBefore, 19);
});

test('the published set is frozen and holds the signing key first', async () => {
  const signer = await ephemeralSigner();
  assert.equal(signer.jwks.keys[0]!.kid, signer.kid);
  assert.throws(() => { (signer.jwks.keys as unknown[]).push({}); }, TypeError);
});
