// One contract, every session store: the memory store and the Redis store
// (connect-redis on the real Redis) behave the same for actas.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { SessionData, Store } from 'express-session';
import { resolveConfig } from '../../../src/config/load.ts';
import { createSessionLayer, sessionTtlMs } from '../../../src/session/middleware.ts';
import { connectRedis, type RedisConnection } from '../../../src/session/redis.ts';
import { createLogger } from '../../../src/ops/logger.ts';

const call = <T>(fn: (cb: (err?: unknown, v?: T) => void) => void) => new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));

function configFor(store: 'memory' | 'redis', prefix: string) {
  return resolveConfig({
    publicUrl: 'http://127.0.0.1:8080',
    oidc: { issuer: 'http://127.0.0.1:9000', clientId: 'c' },
    session: { secret: 'x'.repeat(32), store, redis: { prefix }, idleTimeout: '2s', absoluteTimeout: '1h' },
    upstreams: [{ name: 'a', url: 'http://127.0.0.1:1' }],
  }, { env: {} });
}

const sample = (loginAt = Date.now()): SessionData => ({
  cookie: { originalMaxAge: 3_600_000, maxAge: 3_600_000, httpOnly: true, path: '/' } as SessionData['cookie'],
  user: { sub: 's-1', user: 'alice', email: 'alice@example.test', groups: ['staff'] },
  loginAt, lastSeenAt: loginAt,
});

for (const kind of ['memory', 'redis'] as const) {
  describe(`session store contract: ${kind}`, () => {
    const prefix = `actas-contract-${randomBytes(4).toString('hex')}:`;
    const config = configFor(kind, prefix);
    let redis: RedisConnection | undefined;
    let store: Store;
    const ready = (async () => {
      if (kind === 'redis') redis = await connectRedis(config.session.redis.url, 2_000, createLogger('silent'));
      store = createSessionLayer(config, redis).store;
    })();
    after(async () => {
      if (redis) {
        for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
        await redis.close();
      }
    });

    test('set then get returns the same data', async () => {
      await ready;
      await call((cb) => store.set('sid-1', sample(), cb));
      const got = await call<SessionData | null>((cb) => store.get('sid-1', cb));
      assert.equal(got?.user?.user, 'alice');
      assert.deepEqual(got?.user?.groups, ['staff']);
    });

    test('a missing id is null, not an error', async () => {
      await ready;
      assert.equal(await call<SessionData | null>((cb) => store.get('nope', cb)), null);
    });

    test('destroy removes the session', async () => {
      await ready;
      await call((cb) => store.set('sid-2', sample(), cb));
      await call((cb) => store.destroy('sid-2', cb));
      assert.equal(await call<SessionData | null>((cb) => store.get('sid-2', cb)), null);
    });

    test('a stored session expires after its idle window', async () => {
      await ready;
      // idleTimeout 2s + the 60 s write interval would be long; a session past its absolute timeout is short.
      const old = sample(Date.now() - 3_600_000 + 1_500);
      assert.ok(sessionTtlMs(config, old) <= 1_500);
      await call((cb) => store.set('sid-3', old, cb));
      assert.ok(await call<SessionData | null>((cb) => store.get('sid-3', cb)));
      await new Promise((r) => setTimeout(r, 2_200));
      assert.equal(await call<SessionData | null>((cb) => store.get('sid-3', cb)), null);
    });

    test('stored data is a copy: changing what get returned changes nothing stored', async () => {
      await ready;
      await call((cb) => store.set('sid-4', sample(), cb));
      const a = (await call<SessionData | null>((cb) => store.get('sid-4', cb)))!;
      a.user!.groups.push('admins');
      const b = (await call<SessionData | null>((cb) => store.get('sid-4', cb)))!;
      assert.deepEqual(b.user!.groups, ['staff']);
    });
  });
}
