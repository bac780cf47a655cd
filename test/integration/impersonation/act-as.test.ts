// The act-as cycle against the real IdP, upstream and audit file: who may
// act as whom, what the upstream receives, what is blocked, how it ends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../../support/stack.ts';
import { impersonationConfig, startActingAs, stopActing, csrfOf } from '../../support/impersonation.ts';
import { waitForAudit, readAudit } from '../../support/audit.ts';
import { createAssertionVerifier } from '../../../src/verify/index.ts';

let stack: Stack;
before(async () => { stack = await startStack({ configure: impersonationConfig }); });
after(() => stack.close());

const whoami = async (c: Awaited<ReturnType<Stack['loginAs']>>) => (await c.request(`${stack.url}/.actas/whoami`)).json<{ user: string; impersonation: null | { id: string; target: { user: string }; mode: string } }>();

test('an admin acts as alice: the upstream sees alice, the impersonator, and a verifying assertion with act', async () => {
  const admin = await stack.loginAs('admin');
  const start = await startActingAs(admin, stack.url, 'alice', { rd: '/after-start' });
  assert.equal(start.status, 303);
  assert.equal(start.headers.location, '/after-start');
  const r = await admin.request(`${stack.url}/as-alice`, { headers: { 'x-forwarded-user': 'admin', 'x-impersonator': 'mallory' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-actas-impersonating'], 'alice');
  const seen = stack.upstream.last('/as-alice')!;
  assert.equal(seen.headers['x-forwarded-user'], 'alice');
  assert.equal(seen.headers['x-forwarded-email'], 'alice@example.test');
  assert.equal(seen.headers['x-forwarded-groups'], 'staff');
  assert.equal(seen.headers['x-impersonator'], 'admin');
  assert.equal(seen.headers['x-impersonator-email'], 'admin@example.test');
  const verifier = createAssertionVerifier({ jwksUrl: `${stack.url}/.well-known/actas/jwks.json`, issuer: stack.url, audience: 'app' });
  const id = await verifier.verify(seen.headers);
  assert.equal(id.user, 'alice');
  assert.deepEqual(id.actor, { sub: 'admin', user: 'admin', email: 'admin@example.test' });
  assert.equal(id.impersonation?.mode, 'read-only');
  assert.equal(id.impersonation?.reason, 'Ticket #4711: cannot see her timetable');

  const events = await waitForAudit(stack.auditFile, (e) => e.some((x) => x.type === 'request' && x.path === '/as-alice'));
  const startEvent = events.find((e) => e.type === 'impersonation.start')!;
  assert.equal(startEvent.actor?.user, 'admin');
  assert.equal(startEvent.subject?.user, 'alice');
  const req = events.find((e) => e.type === 'request' && e.path === '/as-alice')!;
  assert.equal(req.actor?.user, 'admin');
  assert.equal(req.subject?.user, 'alice');
  assert.equal(req.status, 200);

  // Read-only: a POST is blocked with a clear page and audited.
  const before = stack.upstream.received.length;
  const post = await admin.request(`${stack.url}/notes`, { body: 'text=hi', headers: { accept: 'text/html' } });
  assert.equal(post.status, 403);
  assert.match(post.body, /read-only/);
  const denyPath = await admin.request(`${stack.url}/account/password`, { headers: { accept: 'text/html' } });
  assert.equal(denyPath.status, 403);
  assert.equal(stack.upstream.received.length, before, 'neither blocked request reached the upstream');
  const blocked = await waitForAudit(stack.auditFile, (e) => e.filter((x) => x.type === 'request.blocked').length >= 2);
  assert.deepEqual(blocked.filter((e) => e.type === 'request.blocked').map((e) => e.reasons?.[0]).sort(), ['path-denied-while-impersonating', 'read-only-mode']);

  // Nesting is refused.
  const nested = await startActingAs(admin, stack.url, 'bob');
  assert.equal(nested.headers.location, '/.actas/?error=already-impersonating&target=bob&rd=%2F');

  // Stop: exactly the operator's identity again, with a new session id.
  const cookieBefore = admin.cookieHeader(new URL(stack.url));
  const stop = await stopActing(admin, stack.url, '/back');
  assert.equal(stop.status, 303);
  assert.notEqual(admin.cookieHeader(new URL(stack.url)), cookieBefore, 'session id regenerated');
  await admin.request(`${stack.url}/as-admin-again`);
  const own = stack.upstream.last('/as-admin-again')!;
  assert.equal(own.headers['x-forwarded-user'], 'admin');
  assert.equal(own.headers['x-forwarded-groups'], 'admins');
  assert.equal(own.headers['x-impersonator'], undefined);
  const done = await waitForAudit(stack.auditFile, (e) => e.some((x) => x.type === 'impersonation.stop'));
  const stopEvent = done.find((e) => e.type === 'impersonation.stop')!;
  assert.equal(stopEvent.actor?.user, 'admin');
  assert.equal(stopEvent.subject?.user, 'alice');
});

test('a staff user cannot impersonate anyone', async () => {
  const bob = await stack.loginAs('bob');
  const r = await startActingAs(bob, stack.url, 'alice');
  assert.equal(r.headers.location, '/.actas/?error=not-allowed&target=alice&rd=%2F');
  assert.equal((await bob.request(`${stack.url}/.actas/users?q=a`)).status, 403);
  const canI = (await bob.request(`${stack.url}/.actas/can-i?target=alice`)).json<{ allow: boolean; reasons: string[] }>();
  assert.deepEqual([canI.allow, canI.reasons], [false, ['not-allowed']]);
  assert.equal((await whoami(bob)).impersonation, null);
});

test('guards: not oneself, not an admin, not a disabled user, not past the max duration, and a reason', async () => {
  const admin = await stack.loginAs('admin');
  const cases: Array<[string, Record<string, string>, string]> = [
    ['admin', {}, 'self-impersonation'],
    ['carol', {}, 'target-may-impersonate'],
    ['dan', {}, 'target-disabled'],
    ['nobody-such', {}, 'unknown-or-forbidden-target'],
    // Targets are the immutable sub: another case, an email or a look-alike never names alice.
    ['ALICE', {}, 'unknown-or-forbidden-target'],
    ['alice@example.test', {}, 'unknown-or-forbidden-target'],
    ['\u0430lice', {}, 'unknown-or-forbidden-target'],
    ['alice', { duration: '31' }, 'duration-too-long'],
    ['alice', { reason: 'short' }, 'reason-too-short'],
  ];
  for (const [target, fields, code] of cases) {
    const r = await startActingAs(admin, stack.url, target, fields);
    assert.equal(r.headers.location, `/.actas/?${new URLSearchParams({ error: code, target, rd: '/' })}`, `${target} ${JSON.stringify(fields)}`);
  }
  assert.equal((await whoami(admin)).impersonation, null);
  const denied = await waitForAudit(stack.auditFile, (e) => e.filter((x) => x.type === 'impersonation.denied').length >= cases.length);
  assert.ok(denied.filter((e) => e.type === 'impersonation.denied').length >= cases.length);
  // Unknown and forbidden-by-rule look the same to the caller.
  const unknown = (await admin.request(`${stack.url}/.actas/can-i?target=nobody-such`)).json<{ reasons: string[] }>();
  assert.deepEqual(unknown.reasons, ['unknown-or-forbidden-target']);
});

test('users search returns only targets the caller may see, with decisions', async () => {
  const admin = await stack.loginAs('admin');
  const r = (await admin.request(`${stack.url}/.actas/users?q=ALI`)).json<{ users: Array<{ user: string; decision: { allow: boolean } }> }>();
  assert.deepEqual(r.users.map((u) => [u.user, u.decision.allow]), [['alice', true]]);
  const all = (await admin.request(`${stack.url}/.actas/users?q=`)).json<{ users: Array<{ user: string; decision: { allow: boolean; reasons: string[] } }> }>();
  const carol = all.users.find((u) => u.user === 'carol')!;
  assert.deepEqual(carol.decision.reasons, ['target-may-impersonate']);
});

test('CSRF: no token, a wrong token, or a foreign Origin changes nothing', async () => {
  const admin = await stack.loginAs('admin');
  for (const fields of [{ csrf: 'wrong' }, { origin: 'http://evil.example' }]) {
    const r = await startActingAs(admin, stack.url, 'alice', fields);
    assert.match(r.headers.location!, /error=(csrf-token-mismatch|foreign-origin)/);
  }
  const noToken = await admin.request(`${stack.url}/.actas/impersonate`, { body: new URLSearchParams({ target: 'alice', reason: 'a long enough reason', duration: '5' }), headers: { origin: stack.url } });
  assert.match(noToken.headers.location!, /error=csrf-token-missing/);
  assert.equal((await whoami(admin)).impersonation, null);
});

test('the target logging in elsewhere cannot stop or take over the impersonation', async () => {
  const admin = await stack.loginAs('admin');
  await startActingAs(admin, stack.url, 'bob');
  const bob = await stack.loginAs('bob');
  await stopActing(bob, stack.url);
  assert.equal((await whoami(bob)).impersonation, null);
  await bob.request(`${stack.url}/bob-own`);
  assert.equal(stack.upstream.last('/bob-own')!.headers['x-impersonator'], undefined);
  assert.equal((await whoami(admin)).impersonation?.target.user, 'bob', 'still acting as bob');
  await stopActing(admin, stack.url);
});

test('expiry ends it without a request from the operator, and the next page is the operator\'s own', async () => {
  const admin = await stack.loginAs('admin');
  const start = await startActingAs(admin, stack.url, 'alice', { duration: '0.03' }); // 1.8 s
  assert.equal(start.status, 303);
  const id = (await whoami(admin)).impersonation!.id;
  const events = await waitForAudit(stack.auditFile, (e) => e.some((x) => x.type === 'impersonation.expire' && x.impersonationId === id), 6_000);
  assert.ok(events.some((e) => e.type === 'impersonation.expire' && e.impersonationId === id), 'expired by the sweeper');
  await admin.request(`${stack.url}/after-expiry`);
  assert.equal(stack.upstream.last('/after-expiry')!.headers['x-forwarded-user'], 'admin');
  assert.equal(readAudit(stack.auditFile).filter((e) => e.type === 'impersonation.expire' && e.impersonationId === id).length, 1, 'written once');
});

test('the operator keeps their own CSRF-protected logout while acting', async () => {
  const admin = await stack.loginAs('admin');
  await startActingAs(admin, stack.url, 'alice');
  const csrf = await csrfOf(admin, stack.url);
  await admin.request(`${stack.url}/.actas/logout`, { body: new URLSearchParams({ csrf }), headers: { origin: stack.url } });
  const events = await waitForAudit(stack.auditFile, (e) => e.some((x) => x.type === 'impersonation.stop' && x.reasons?.includes('logged-out')));
  assert.ok(events.some((e) => e.type === 'impersonation.stop' && e.reasons?.includes('logged-out')));
});

test('a session that times out while acting ends the impersonation with it, on the record', async () => {
  const short = await startStack({ configure: (c, ctx) => { impersonationConfig!(c, ctx); (c.session as Record<string, unknown>).idleTimeout = '1s'; } });
  after(() => short.close());
  const admin = await short.loginAs('admin');
  assert.equal((await startActingAs(admin, short.url, 'alice')).status, 303);
  const id = (await admin.request(`${short.url}/.actas/whoami`)).json<{ impersonation: { id: string } }>().impersonation.id;
  await new Promise((r) => setTimeout(r, 1_300));
  const r = await admin.request(`${short.url}/after-idle`, { headers: { accept: 'application/json' } });
  assert.equal(r.status, 401);
  const events = await waitForAudit(short.auditFile, (e) => e.some((x) => x.type === 'impersonation.stop' && x.impersonationId === id));
  const stop = events.find((e) => e.type === 'impersonation.stop' && e.impersonationId === id)!;
  assert.deepEqual(stop.reasons, ['session-ended']);
  const carol = await short.loginAs('carol');
  const consolePage = await carol.request(`${short.url}/.actas/`, { headers: { accept: 'text/html' } });
  assert.match(consolePage.body, /Nobody is acting as anyone right now\./, 'no stale entry in the active list');
});
