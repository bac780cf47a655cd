// Login through the real IdP, identity forwarded to the real upstream, and
// nothing a client sends can pose as an identity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitForAudit } from '../../support/audit.ts';
import { startStack, type Stack } from '../../support/stack.ts';

let stack: Stack;
before(async () => {
  stack = await startStack({
    idp: { users: undefined },
    configure: (c) => { c.upstreams = [...c.upstreams, { name: 'down', url: 'http://127.0.0.1:9', match: { pathPrefix: '/down' } }]; },
  });
});
after(() => stack.close());

test('an unauthenticated API request gets 401 JSON and reaches nothing', async () => {
  const before = stack.upstream.received.length;
  const r = await stack.client().request(`${stack.url}/api/things`, { headers: { accept: 'application/json' } });
  assert.equal(r.status, 401);
  assert.equal(r.json<{ error: string }>().error, 'unauthenticated');
  assert.equal(stack.upstream.received.length, before);
});

test('an unauthenticated browser navigation is sent to login with its return path', async () => {
  const r = await stack.client().request(`${stack.url}/wiki/page?x=1`, { headers: { accept: 'text/html' } });
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, `/.actas/login?rd=${encodeURIComponent('/wiki/page?x=1')}`);
});

test('alice logs in at the IdP and the upstream receives her identity', async () => {
  const c = stack.client();
  const page = await c.login(stack.url, 'alice', 'alice-demo', '/hello?q=1');
  assert.equal(page.status, 200);
  assert.equal(new URL(page.url).pathname, '/hello');
  const seen = stack.upstream.last('/hello')!;
  assert.equal(seen.headers['x-forwarded-user'], 'alice');
  assert.equal(seen.headers['x-forwarded-email'], 'alice@example.test');
  assert.equal(seen.headers['x-forwarded-groups'], 'staff');
  assert.equal(seen.headers['x-forwarded-name'], 'Alice Example');
  assert.match(String(seen.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen.headers['x-impersonator'], undefined);
});

test('the session cookie is HttpOnly and SameSite=Lax, and a new id is issued at login', async () => {
  const c = stack.client();
  const start = await c.request(`${stack.url}/.actas/login?rd=/`);
  const preLogin = c.cookies.get(new URL(stack.url).host)?.get('actas');
  assert.ok(preLogin, 'a pre-login session holds the login state');
  const cookieLine = ([] as string[]).concat(start.headers['set-cookie'] ?? []).find((l) => l.startsWith('actas='))!;
  assert.match(cookieLine, /HttpOnly/i);
  assert.match(cookieLine, /SameSite=Lax/i);
  assert.doesNotMatch(cookieLine, /Secure/i, 'publicUrl is plain http');
  await c.login(stack.url, 'alice', 'alice-demo');
  const postLogin = c.cookies.get(new URL(stack.url).host)?.get('actas');
  assert.ok(postLogin);
  assert.notEqual(postLogin, preLogin, 'the session id is regenerated at login');
});

test('spoofed identity headers never reach the upstream, in any spelling', async () => {
  const c = await stack.loginAs('alice');
  await c.request(`${stack.url}/spoof`, {
    headers: {
      'X-Forwarded-User': 'admin',
      'X_Forwarded_User': 'admin',
      'x-forwarded-groups': 'admins',
      'X-Forwarded-Email': 'admin@example.test',
      'X-Impersonator': 'admin',
      'X-Auth-Request-User': 'admin',
      'Impersonate-User': 'admin',
      'X-Actas-Jwt-Assertion': 'forged',
      'X_ACTAS_JWT_ASSERTION': 'forged',
      'X-Request-Id': 'forged-id',
    },
  });
  const seen = stack.upstream.last('/spoof')!;
  assert.equal(seen.headers['x-forwarded-user'], 'alice');
  assert.equal(seen.headers['x-forwarded-groups'], 'staff');
  assert.equal(seen.headers['x-forwarded-email'], 'alice@example.test');
  assert.notEqual(seen.headers['x-request-id'], 'forged-id');
  for (const name of ['x-impersonator', 'x-auth-request-user', 'impersonate-user', 'x_forwarded_user', 'x_actas_jwt_assertion']) {
    assert.equal(seen.headers[name], undefined, name);
  }
  const values = seen.rawHeaders.filter((_, i) => i % 2 === 1);
  assert.ok(!values.includes('admin') && !values.includes('forged') && !values.includes('admins'), `raw headers: ${seen.rawHeaders.join(' | ')}`);
  assert.notEqual(seen.headers['x-actas-jwt-assertion'], 'forged');
});

test('a Connection header cannot name an identity header away', async () => {
  const c = await stack.loginAs('alice');
  await c.request(`${stack.url}/conn`, { headers: { connection: 'keep-alive, X-Forwarded-User, x-forwarded-groups, X-Custom', 'x-custom': 'drop-me' } });
  const seen = stack.upstream.last('/conn')!;
  assert.equal(seen.headers['x-forwarded-user'], 'alice');
  assert.equal(seen.headers['x-forwarded-groups'], 'staff');
  assert.equal(seen.headers['x-custom'], undefined, 'a header the client declared hop-by-hop is not forwarded');
});

test("actas's own cookie is removed from what the upstream receives; the app's cookies stay", async () => {
  const c = await stack.loginAs('alice');
  const host = new URL(stack.url).host;
  c.cookies.get(host)!.set('app_pref', 'dark');
  await c.request(`${stack.url}/cookies`);
  const seen = stack.upstream.last('/cookies')!;
  assert.equal(seen.headers.cookie, 'app_pref=dark');
});

test('public paths need no login and still strip identity headers', async () => {
  const r = await stack.client().request(`${stack.url}/static/logo.txt`, { headers: { 'X-Forwarded-User': 'admin', 'x_forwarded_groups': 'admins' } });
  assert.equal(r.status, 200);
  const seen = stack.upstream.last('/static/')!;
  assert.equal(seen.headers['x-forwarded-user'], undefined);
  assert.equal(seen.headers['x-forwarded-groups'], undefined);
  assert.equal(seen.headers['x_forwarded_groups'], undefined);
});

test('reserved routes are matched on the normalised path and never forwarded', async () => {
  const c = await stack.loginAs('alice');
  const before = stack.upstream.received.length;
  for (const path of ['/.actas/whoami', '/%2eactas/whoami', '/x/../.actas/whoami', '/.actas//whoami', '/./.actas/whoami']) {
    const r = await c.request(`${stack.url}${path}`);
    assert.equal(r.status, 200, path);
    assert.equal(r.json<{ user: string }>().user, 'alice', path);
  }
  const bad = await c.request(`${stack.url}/.actas%2fwhoami`);
  assert.equal(bad.status, 400);
  assert.equal(stack.upstream.received.length, before, 'nothing reached the upstream');
});

test('whoami without a session is a 401', async () => {
  const r = await stack.client().request(`${stack.url}/.actas/whoami`);
  assert.equal(r.status, 401);
});

test('callback without state, with an unknown state, or with a replayed code is a 400 with no session', async () => {
  const c = stack.client();
  const noState = await c.request(`${stack.url}/.actas/callback?code=abc`, { headers: { accept: 'text/html' } });
  assert.equal(noState.status, 400);
  assert.match(noState.body, /Sign-in failed/);
  const unknown = await c.request(`${stack.url}/.actas/callback?code=abc&state=nope`, { headers: { accept: 'text/html' } });
  assert.equal(unknown.status, 400);

  // A real login, recording the callback URL so it can be replayed.
  const replayer = stack.client();
  const start = await replayer.request(`${stack.url}/.actas/login?rd=/`);
  const form = await replayer.follow(start.headers.location!, { headers: { accept: 'text/html' } });
  const action = /action="([^"]+)"/.exec(form.body)![1]!;
  const posted = await replayer.request(new URL(action, form.url), { body: new URLSearchParams({ login: 'alice', password: 'alice-demo' }) });
  let next = new URL(posted.headers.location!, form.url);
  let reply = await replayer.request(next);
  while (!next.pathname.endsWith('/.actas/callback')) {
    next = new URL(reply.headers.location!, next);
    if (next.pathname.endsWith('/.actas/callback')) break;
    reply = await replayer.request(next);
  }
  const preLoginCookie = replayer.cookies.get(new URL(stack.url).host)!.get('actas')!;
  const first = await replayer.request(next);
  assert.equal(first.status, 303);
  // The same callback again, from the pre-login session (whose state was stored): refused.
  const attacker = stack.client();
  attacker.cookies.set(new URL(stack.url).host, new Map([['actas', preLoginCookie]]));
  const replay = await attacker.request(next, { headers: { accept: 'text/html' } });
  assert.equal(replay.status, 400);
  const who = await attacker.request(`${stack.url}/.actas/whoami`);
  assert.equal(who.status, 401, 'no session from a replayed code');
  const events = await waitForAudit(stack.auditFile, (e) => e.filter((x) => x.type === 'login.failure').length >= 3);
  assert.ok(events.filter((e) => e.type === 'login.failure').length >= 3, 'each refused callback is audited');
});

test('an rd that leaves the origin is replaced by /', async () => {
  for (const rd of ['https://evil.example/', '//evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
    const c = stack.client();
    const page = await c.login(stack.url, 'alice', 'alice-demo', `/.actas/login?rd=${encodeURIComponent(rd)}`);
    assert.equal(new URL(page.url).origin, stack.url, rd);
    assert.equal(new URL(page.url).pathname, '/', rd);
  }
});

test('logout needs POST with the CSRF token, ends the session and goes to the IdP end-session endpoint', async () => {
  const c = await stack.loginAs('alice');
  const noToken = await c.request(`${stack.url}/.actas/logout`, { body: new URLSearchParams({}), headers: { accept: 'text/html' } });
  assert.equal(noToken.status, 403);
  const confirm = await c.request(`${stack.url}/.actas/logout`, { headers: { accept: 'text/html' } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
  const foreign = await c.request(`${stack.url}/.actas/logout`, { body: new URLSearchParams({ csrf }), headers: { origin: 'http://evil.example' } });
  assert.equal(foreign.status, 403);
  assert.equal((await c.request(`${stack.url}/.actas/whoami`)).status, 200, 'a refused logout changed nothing');
  const out = await c.request(`${stack.url}/.actas/logout`, { body: new URLSearchParams({ csrf }), headers: { origin: stack.url } });
  assert.equal(out.status, 303);
  assert.ok(out.headers.location!.startsWith(stack.idp.issuer), `goes to the IdP: ${out.headers.location}`);
  assert.equal((await c.request(`${stack.url}/.actas/whoami`)).status, 401);
});

test('an unreachable upstream gives a 502 page with the request id', async () => {
  const c = await stack.loginAs('alice');
  const r = await c.request(`${stack.url}/down/x`, { headers: { accept: 'text/html' } });
  assert.equal(r.status, 502);
  assert.match(r.body, /not reachable/);
  assert.ok(r.body.includes(String(r.headers['x-request-id'])));
});

test('a slow upstream gives a 504 after its timeout', async () => {
  const c = await stack.loginAs('alice');
  const r = await c.request(`${stack.url}/slow?ms=6000`, { headers: { accept: 'application/json' } });
  assert.equal(r.status, 504);
  assert.equal(r.json<{ error: string }>().error, 'upstream-timeout');
});

test('healthz answers and readyz reports the store and audit', async () => {
  const h = await stack.client().request(`${stack.url}/.actas/healthz`);
  assert.equal(h.status, 200);
  const r = await stack.client().request(`${stack.url}/.actas/readyz`);
  assert.equal(r.status, 200);
  assert.equal(r.json<{ status: string }>().status, 'ready');
});

test('a session cookie with a forged id or signature is anonymous on the proxied path', async () => {
  const c = await stack.loginAs('alice');
  const host = new URL(stack.url).host;
  const real = c.cookies.get(host)!.get('actas')!;
  const [id, sig] = decodeURIComponent(real).slice(2).split('.');
  for (const forged of [`s:${id}x.${sig}`, `s:${id}.${sig!.slice(0, -2)}AA`, id!]) {
    const r = await stack.client().request(`${stack.url}/forged`, { headers: { cookie: `actas=${encodeURIComponent(forged)}`, accept: 'application/json' } });
    assert.equal(r.status, 401, forged);
  }
  assert.equal(stack.upstream.last('/forged'), undefined);
  assert.equal((await c.request(`${stack.url}/genuine`)).status, 200);
});
