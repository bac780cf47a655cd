// With Redis, sessions survive an actas restart, and a Redis outage fails
// closed (503, nothing forwarded) and heals by itself.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../../support/stack.ts';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.ts';

const cleanup: Array<() => Promise<void>> = [];
after(async () => { for (const c of cleanup.reverse()) await c(); });

test('a restart of actas keeps users logged in (Redis store)', async () => {
  const first = await startStack({ store: 'redis' });
  const c = await first.loginAs('alice');
  await first.stopActas();
  const second = await startStack({
    store: 'redis',
    shared: { idp: first.idp, upstream: first.upstream, port: new URL(first.url).port ? Number(new URL(first.url).port) : undefined, dir: first.dir, sessionSecret: first.sessionSecret, redisPrefix: first.redisPrefix },
  });
  cleanup.push(() => second.close(), () => first.close());
  const r = await c.request(`${second.url}/after-restart`, { headers: { accept: 'application/json' } });
  assert.equal(r.status, 200);
  assert.equal(first.upstream.last('/after-restart')!.headers['x-forwarded-user'], 'alice');
});

test('Redis down: 503 page, nothing forwarded, readyz fails; Redis back: it recovers by itself', async () => {
  const redis: PrivateRedis = await startPrivateRedis();
  cleanup.push(() => redis.close());
  const stack: Stack = await startStack({ store: 'redis', configure: (c) => { (c.session as { redis: { url: string } }).redis.url = redis.url; } });
  cleanup.push(() => stack.close());
  const c = await stack.loginAs('alice');
  assert.equal((await c.request(`${stack.url}/before`)).status, 200);

  await redis.stop();
  const before = stack.upstream.received.length;
  const down = await c.request(`${stack.url}/during`, { headers: { accept: 'text/html' } });
  assert.equal(down.status, 503);
  assert.match(down.body, /session store/);
  assert.equal(stack.upstream.received.length, before, 'nothing was forwarded without identity');
  const ready = await c.request(`${stack.url}/.actas/readyz`);
  assert.equal(ready.status, 503);
  const anon = await stack.client().request(`${stack.url}/during`, { headers: { accept: 'application/json' } });
  assert.equal(anon.status, 401, 'no cookie: nothing to look up, and still nothing forwarded');
  assert.equal(stack.upstream.received.length, before);

  await redis.start();
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await c.request(`${stack.url}/after`, { headers: { accept: 'application/json' } })).status;
  }
  assert.equal(status, 200, 'recovered without a restart, and the session survived');
  assert.equal(stack.upstream.last('/after')!.headers['x-forwarded-user'], 'alice');
});
