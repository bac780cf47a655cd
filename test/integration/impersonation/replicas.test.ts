// Two actas processes sharing Redis: an auditor on one revokes an
// impersonation started on the other, and it ends at the next request.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startStack, type Stack } from '../../support/stack.ts';
import { impersonationConfig, startActingAs, csrfOf } from '../../support/impersonation.ts';
import { waitForAudit } from '../../support/audit.ts';
import { CLIENT_SECRET } from '../../support/stack.ts';
import { startDemoIdp } from '../../../src/demo/idp.ts';
import { startUpstream } from '../../support/upstream.ts';
import net from 'node:net';

const cleanup: Array<() => Promise<void>> = [];
after(async () => { for (const c of cleanup.reverse()) await c(); });

async function port(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
}

test('revocation by an auditor on another replica takes effect at the next request, and closes websockets', async () => {
  const [portA, portB] = [await port(), await port()];
  const idp = await startDemoIdp({ clientId: 'actas-test', clientSecret: CLIENT_SECRET, redirectUris: [`http://127.0.0.1:${portA}/.actas/callback`, `http://127.0.0.1:${portB}/.actas/callback`] });
  const upstream = await startUpstream();
  cleanup.push(() => idp.close(), () => upstream.close());
  // Websockets are refused in read-only mode unless allowed, as here for /live.
  const configure: typeof impersonationConfig = (c, ctx) => {
    impersonationConfig!(c, ctx);
    (c.impersonation as Record<string, unknown>).readOnlyAllow = [{ method: 'WEBSOCKET', path: '/live' }];
  };
  const a: Stack = await startStack({ store: 'redis', configure, shared: { idp, upstream, port: portA } });
  cleanup.push(() => a.close());
  const b: Stack = await startStack({ store: 'redis', configure, shared: { idp, upstream, port: portB, sessionSecret: a.sessionSecret, redisPrefix: a.redisPrefix } });
  cleanup.push(() => b.close());

  const admin = await a.loginAs('admin');
  assert.equal((await startActingAs(admin, a.url, 'alice')).status, 303);
  const cookie = admin.cookieHeader(new URL(a.url))!;
  const ws = new WebSocket(`${a.url.replace('http', 'ws')}/live`, { headers: { cookie } });
  const hello = await new Promise<string>((resolve, reject) => {
    ws.once('message', (d) => resolve(String(d)));
    ws.once('unexpected-response', (_q, r) => reject(new Error(`upgrade answered ${r.statusCode}`)));
  });
  assert.deepEqual(JSON.parse(hello), { user: 'alice', impersonator: 'admin' });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));

  // A websocket elsewhere in read-only mode is refused.
  const refused = await new Promise<number>((resolve) => {
    const other = new WebSocket(`${a.url.replace('http', 'ws')}/other`, { headers: { cookie } });
    other.on('error', () => undefined);
    other.once('unexpected-response', (_q, r) => { resolve(r.statusCode ?? 0); r.resume(); });
    other.once('open', () => { resolve(101); other.terminate(); });
  });
  assert.equal(refused, 403);

  const carol = await b.loginAs('carol');
  const list = (await carol.request(`${b.url}/.actas/whoami`)).json<{ user: string }>();
  assert.equal(list.user, 'carol');
  const impersonationId = (await admin.request(`${a.url}/.actas/whoami`)).json<{ impersonation: { id: string } }>().impersonation.id;
  const csrf = await csrfOf(carol, b.url);
  const revoke = await carol.request(`${b.url}/.actas/sessions/${impersonationId}/revoke`, { body: new URLSearchParams({ csrf }), headers: { origin: b.url } });
  assert.equal(revoke.status, 303);
  assert.equal(revoke.headers.location, `/.actas/?revoked=${impersonationId}`);

  await closed; // replica A closed the impersonation's websocket by itself
  await admin.request(`${a.url}/after-revoke`);
  const seen = upstream.last('/after-revoke')!;
  assert.equal(seen.headers['x-forwarded-user'], 'admin');
  assert.equal(seen.headers['x-impersonator'], undefined);
  const events = await waitForAudit(b.auditFile, (e) => e.some((x) => x.type === 'impersonation.revoke'));
  const ev = events.find((e) => e.type === 'impersonation.revoke')!;
  assert.equal(ev.actor?.user, 'carol');
  assert.equal(ev.subject?.user, 'admin');
  assert.equal(ev.impersonationId, impersonationId);
});
