// Two actas replicas sharing Redis and one signing key: a token issued by one
// works on the other, and an auditor's revocation on the first ends it on the
// second, its open websocket included.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import WebSocket from 'ws';
import { createClient } from 'redis';
import { decodeJwt } from 'jose';
import { startStack, CLIENT_SECRET, type Stack, type StackOptions } from '../../support/stack.ts';
import { startDemoIdp } from '../../../src/demo/idp.ts';
import { startUpstream } from '../../support/upstream.ts';
import { csrfOf } from '../../support/impersonation.ts';
import { generateKey } from '../../../src/headers/keys.ts';
import { tokenConfig, tokenFor } from './support.ts';

const cleanup: Array<() => Promise<void>> = [];
after(async () => { for (const c of cleanup.reverse()) await c(); });

async function port(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = createClient({ url: 'redis://127.0.0.1:6379' });
  await redis.connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) if (keys.length) await redis.del(keys);
  } finally {
    await redis.close();
  }
}

test('a token from replica A works on replica B until an auditor on A revokes it', async () => {
  const [portA, portB] = [await port(), await port()];
  const idp = await startDemoIdp({ clientId: 'actas-test', clientSecret: CLIENT_SECRET, redirectUris: [`http://127.0.0.1:${portA}/.actas/callback`, `http://127.0.0.1:${portB}/.actas/callback`] });
  const upstream = await startUpstream();
  const keyDir = mkdtempSync(join(tmpdir(), 'actas-token-key-'));
  cleanup.push(() => idp.close(), () => upstream.close(), async () => rmSync(keyDir, { recursive: true, force: true }));
  const keyFile = join(keyDir, 'es256.jwk');
  writeFileSync(keyFile, JSON.stringify(generateKey('ES256').export({ format: 'jwk' })), { mode: 0o600 });
  const configure: StackOptions['configure'] = (c, ctx) => {
    tokenConfig!(c, ctx);
    c.identity = { assertion: { keys: [keyFile] } };
    (c.impersonation as Record<string, unknown>).readOnlyAllow = [{ method: 'WEBSOCKET', path: '/live' }];
  };
  const a: Stack = await startStack({ store: 'redis', configure, shared: { idp, upstream, port: portA } });
  cleanup.push(() => deleteKeys(a.redisPrefix), () => a.close());
  // Replicas behind one load balancer share the public URL: it is the tokens' issuer.
  const sameOrigin: StackOptions['configure'] = (c, ctx) => { configure(c, ctx); c.publicUrl = a.url; };
  const b: Stack = await startStack({ store: 'redis', configure: sameOrigin, shared: { idp, upstream, port: portB, sessionSecret: a.sessionSecret, redisPrefix: a.redisPrefix } });
  cleanup.push(() => b.close());

  const c = a.client();
  const token = await tokenFor(c, a);
  const jti = decodeJwt(token).jti!;
  const onB = await c.request(`${b.url}/on-b`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(onB.status, 200, onB.body);
  assert.equal(upstream.last('/on-b')!.headers['x-forwarded-user'], 'alice');

  const ws = new WebSocket(`${b.url.replace('http', 'ws')}/live`, { headers: { authorization: `Bearer ${token}` } });
  ws.on('error', () => undefined);
  const hello = await new Promise<string>((resolve, reject) => {
    ws.once('message', (d) => resolve(String(d)));
    ws.once('unexpected-response', (_q, r) => reject(new Error(`upgrade answered ${r.statusCode}`)));
  });
  assert.deepEqual(JSON.parse(hello), { user: 'alice', impersonator: 'reporting' });
  assert.equal(upstream.upgrades.at(-1)!.headers.authorization, undefined, 'not on the upgrade either');
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));

  const admin = await a.loginAs('admin');
  const csrf = await csrfOf(admin, a.url);
  const revoke = await admin.request(`${a.url}/.actas/sessions/${encodeURIComponent(jti)}/revoke`, { body: new URLSearchParams({ csrf }), headers: { origin: a.url } });
  assert.equal(revoke.headers.location, `/.actas/?revoked=${jti}`);

  await closed; // replica B's sweeper closes the sockets of impersonations no longer listed
  const after = await c.request(`${b.url}/after-revoke`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(after.status, 401);
  assert.equal(after.json<{ error: string }>().error, 'invalid_token');
  assert.equal(upstream.last('/after-revoke'), undefined);
});
