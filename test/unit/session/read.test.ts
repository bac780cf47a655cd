// The read-only session path accepts exactly the cookies express-session
// signs (any configured secret) and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import session from 'express-session';
import { createSessionReader } from '../../../src/session/read.ts';

const { sign } = createRequire(import.meta.url)('cookie-signature') as { sign(value: string, secret: string): string };
const store = new session.MemoryStore();
const [current, previous] = ['c'.repeat(40), 'p'.repeat(40)];
const reader = createSessionReader(store, 'actas', [current, previous]);
const cookie = (value: string) => `other=1; actas=${encodeURIComponent(value)}; more=2`;

test('a cookie signed by express-session with any configured secret names its session', () => {
  assert.equal(reader.sessionIdOf(cookie(`s:${sign('abc123', current)}`)), 'abc123');
  assert.equal(reader.sessionIdOf(cookie(`s:${sign('old-one', previous)}`)), 'old-one', 'a rotated-out secret still verifies');
  assert.equal(reader.sessionIdOf(cookie(`s:${sign('abc123', current)}`)), 'abc123', 'and again, from the cache');
});

test('tampered, foreign, unsigned or malformed cookies name nothing', () => {
  const good = sign('abc123', current);
  for (const value of [
    `s:${good.replace('abc123', 'abc124')}`,       // another id, same signature
    `s:${sign('abc123', 'x'.repeat(40))}`,          // a secret actas does not have
    `s:${good.slice(0, -1)}`,                       // a shortened signature
    'abc123',                                       // unsigned
    `s:${good}`.replace('s:', 'x:'),
    's:.sig', 's:', '%E0%A4%A',
  ]) {
    assert.equal(reader.sessionIdOf(cookie(value)), undefined, value);
  }
  assert.equal(reader.sessionIdOf('notactas=s%3Aabc'), undefined);
  assert.equal(reader.sessionIdOf(undefined), undefined);
});

test('read returns the stored session or null', async () => {
  await new Promise<void>((resolve) => store.set('sid-1', { cookie: { originalMaxAge: 1000 } as never, csrf: 't' }, () => resolve()));
  assert.equal((await reader.read('sid-1'))?.csrf, 't');
  assert.equal(await reader.read('missing'), null);
});
