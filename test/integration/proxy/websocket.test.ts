// Websocket upgrades are authenticated and rewritten exactly like plain
// requests: no upgrade reaches the upstream without a session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startStack, type Stack } from '../../support/stack.ts';

let stack: Stack;
before(async () => { stack = await startStack(); });
after(() => stack.close());

function open(url: string, headers: Record<string, string>): Promise<{ status: number; first?: string; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => { resolve({ status: res.statusCode ?? 0 }); ws.terminate(); });
    ws.once('message', (data) => resolve({ status: 101, first: String(data), ws }));
    ws.once('error', () => resolve({ status: 0 }));
  });
}

test('an unauthenticated upgrade is refused with 401 and never reaches the upstream', async () => {
  const r = await open(`${stack.url.replace('http', 'ws')}/socket`, { 'x-forwarded-user': 'admin' });
  assert.equal(r.status, 401);
  assert.equal(stack.upstream.upgrades.length, 0);
});

test('an authenticated upgrade carries the identity and strips spoofed headers', async () => {
  const c = await stack.loginAs('alice');
  const cookie = c.cookieHeader(new URL(stack.url))!;
  const r = await open(`${stack.url.replace('http', 'ws')}/socket`, { cookie, 'X-Forwarded-User': 'admin', 'x_forwarded_groups': 'admins', 'x-impersonator': 'admin' });
  assert.equal(r.status, 101);
  assert.deepEqual(JSON.parse(r.first!), { user: 'alice', impersonator: null });
  const seen = stack.upstream.upgrades.at(-1)!;
  assert.equal(seen.headers['x-forwarded-groups'], 'staff');
  assert.equal(seen.headers['x_forwarded_groups'], undefined);
  assert.ok(!String(seen.headers.cookie ?? '').includes('actas='), 'the session cookie is not forwarded');
  const echoed = new Promise<string>((resolve) => r.ws!.once('message', (d) => resolve(String(d))));
  r.ws!.send('ping');
  assert.equal(await echoed, 'ping');
  r.ws!.close();
});

test('logging out closes the session\'s open websockets', async () => {
  const c = await stack.loginAs('bob');
  const r = await open(`${stack.url.replace('http', 'ws')}/socket`, { cookie: c.cookieHeader(new URL(stack.url))! });
  assert.equal(r.status, 101);
  const closed = new Promise<void>((resolve) => r.ws!.once('close', () => resolve()));
  const confirm = await c.request(`${stack.url}/.actas/logout`, { headers: { accept: 'text/html' } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
  await c.request(`${stack.url}/.actas/logout`, { body: new URLSearchParams({ csrf }), headers: { origin: stack.url } });
  await closed;
});
