// Calling the upstreams through actas with a token-exchange access token:
// what the upstream sees, what the read-only guard blocks, and every way the
// token stops working (expiry, revocation, another upstream, a session beside it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { createAssertionVerifier } from 'actas/verify';
import { startStack, type Stack } from '../../support/stack.ts';
import { csrfOf } from '../../support/impersonation.ts';
import { waitForAudit } from '../../support/audit.ts';
import { tokenFor, tokenConfig } from './support.ts';

let stack: Stack;
before(async () => { stack = await startStack({ configure: tokenConfig }); });
after(() => stack.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
interface BearerError { error: string; error_description: string }

test('with a token for alice the upstream sees alice, X-Impersonator: reporting, an assertion with act, and never the token', async () => {
  const c = stack.client();
  const token = await tokenFor(c, stack);
  const r = await c.request(`${stack.url}/reports-run?day=1`, { headers: { ...bearer(token), 'x-forwarded-user': 'mallory' } });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['set-cookie'], undefined, 'no session is created for a token');
  assert.equal(r.headers['x-actas-impersonating'], 'alice', 'the client is told whom it acts as');
  const seen = stack.upstream.last('/reports-run')!;
  assert.equal(seen.headers['x-forwarded-user'], 'alice');
  assert.equal(seen.headers['x-forwarded-email'], 'alice@example.test');
  assert.equal(seen.headers['x-forwarded-groups'], 'staff');
  assert.equal(seen.headers['x-impersonator'], 'reporting');
  assert.equal(seen.headers.authorization, undefined, 'the bearer token never reaches the upstream');
  assert.ok(!seen.rawHeaders.some((h) => h.includes(token)), 'not under any header name');

  const verifier = createAssertionVerifier({ jwksUrl: `${stack.url}/.well-known/actas/jwks.json`, issuer: stack.url, audience: 'app' });
  const id = await verifier.verify(seen.headers);
  assert.equal(id.sub, 'alice');
  assert.equal(id.user, 'alice');
  assert.deepEqual(id.actor, { sub: 'client:reporting', user: 'reporting' });
  assert.equal(id.impersonation?.mode, 'read-only');
  assert.equal(id.impersonation?.reason, 'Nightly timetable report #42');
  assert.equal(id.sessionHash, undefined, 'no session behind a token');

  const jti = decodeJwt(token).jti!;
  const events = await waitForAudit(stack.auditFile, (e) => e.some((x) => x.type === 'request' && x.impersonationId === jti));
  const start = events.find((e) => e.type === 'impersonation.start' && e.impersonationId === jti)!;
  assert.equal(start.actor?.user, 'reporting');
  const req = events.find((e) => e.type === 'request' && e.impersonationId === jti)!;
  assert.deepEqual([req.actor?.user, req.subject?.user, req.path, req.status], ['reporting', 'alice', '/reports-run', 200]);
});

test('read-only: a POST with the token is blocked, never reaches the upstream, and is audited as request.blocked', async () => {
  const c = stack.client();
  const token = await tokenFor(c, stack);
  const before = stack.upstream.received.length;
  const r = await c.request(`${stack.url}/notes`, { body: 'text=hi', headers: bearer(token) });
  assert.equal(r.status, 403);
  assert.equal(r.json<{ error: string }>().error, 'read-only-mode');
  assert.equal(stack.upstream.received.length, before);
  const jti = decodeJwt(token).jti!;
  const events = await waitForAudit(stack.auditFile, (e) => e.some((x) => x.type === 'request.blocked' && x.impersonationId === jti));
  const blocked = events.find((x) => x.type === 'request.blocked' && x.impersonationId === jti)!;
  assert.deepEqual([blocked.actor?.user, blocked.subject?.user, blocked.method, blocked.reasons], ['reporting', 'alice', 'POST', ['read-only-mode']]);
});

test('a token and a signed-in session together are refused with 400, whoever the session belongs to', async () => {
  const token = await tokenFor(stack.client(), stack);
  const bob = await stack.loginAs('bob');
  const before = stack.upstream.received.length;
  const r = await bob.request(`${stack.url}/mixed`, { headers: bearer(token) });
  assert.equal(r.status, 400);
  assert.equal(r.json<BearerError>().error, 'invalid_request');
  assert.match(String(r.headers['www-authenticate']), /^Bearer .*error="invalid_request"/);
  assert.equal(stack.upstream.received.length, before, 'nothing forwarded');
  // The application's own bearer tokens still pass for a signed-in user: they are not actas's.
  const own = await bob.request(`${stack.url}/own-api`, { headers: bearer('app-issued-token-123') });
  assert.equal(own.status, 200);
  assert.equal(stack.upstream.last('/own-api')!.headers.authorization, 'Bearer app-issued-token-123');
  assert.equal(stack.upstream.last('/own-api')!.headers['x-forwarded-user'], 'bob');
});

test('an invalid, tampered or foreign token gets 401 invalid_token and reaches nothing', async () => {
  const c = stack.client();
  const token = await tokenFor(c, stack);
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'bob', user: 'bob' })).toString('base64url')}.${s}`;
  const before = stack.upstream.received.length;
  for (const t of ['not-a-jwt', tampered, '']) {
    const r = await c.request(`${stack.url}/x`, { headers: { authorization: `Bearer ${t}`.trim() } });
    assert.equal(r.status, 401, t);
    assert.equal(r.json<BearerError>().error, 'invalid_token', t);
    assert.match(String(r.headers['www-authenticate']), /^Bearer .*error="invalid_token"/, t);
  }
  assert.equal(stack.upstream.received.length, before);
});

test('an audience-bound token reaches only its upstream', async () => {
  const c = stack.client();
  const token = await tokenFor(c, stack, { audience: 'reports' });
  const ok = await c.request(`${stack.url}/reports/daily`, { headers: bearer(token) });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(stack.upstream.last('/reports/daily')!.headers['x-forwarded-user'], 'alice');
  const other = await c.request(`${stack.url}/not-reports`, { headers: bearer(token) });
  assert.equal(other.status, 401);
  assert.equal(other.json<BearerError>().error, 'invalid_token');
  assert.equal(stack.upstream.last('/not-reports'), undefined);
});

test('an expired token gets 401 invalid_token', async () => {
  const c = stack.client();
  const token = await tokenFor(c, stack, { expires_in: '1' });
  // exp is whole seconds: the token ends within one second of issuance.
  await new Promise((r) => setTimeout(r, 2_100));
  const r = await c.request(`${stack.url}/after-expiry`, { headers: bearer(token) });
  assert.equal(r.status, 401);
  const body = r.json<BearerError>();
  assert.equal(body.error, 'invalid_token');
  assert.match(body.error_description, /expired/);
  assert.equal(stack.upstream.last('/after-expiry'), undefined);
});

test('an auditor sees the token among active impersonations and revokes it; the next request gets 401', async () => {
  const c = stack.client();
  const token = await tokenFor(c, stack);
  const jti = decodeJwt(token).jti!;
  assert.equal((await c.request(`${stack.url}/before-revoke`, { headers: bearer(token) })).status, 200);

  const admin = await stack.loginAs('admin');
  const page = await admin.request(`${stack.url}/.actas/`, { headers: { accept: 'text/html' } });
  assert.match(page.body, new RegExp(`<tr data-id="${jti}">[\\s\\S]*?reporting[\\s\\S]*?alice`), 'listed for auditors');
  const csrf = await csrfOf(admin, stack.url);
  const revoke = await admin.request(`${stack.url}/.actas/sessions/${encodeURIComponent(jti)}/revoke`, { body: new URLSearchParams({ csrf }), headers: { origin: stack.url } });
  assert.equal(revoke.status, 303);
  assert.match(String(revoke.headers.location), /revoked=/);

  const r = await c.request(`${stack.url}/after-revoke`, { headers: bearer(token) });
  assert.equal(r.status, 401);
  assert.match(r.json<BearerError>().error_description, /revoked/);
  assert.equal(stack.upstream.last('/after-revoke'), undefined);
  const events = await waitForAudit(stack.auditFile, (e) => e.some((x) => x.type === 'impersonation.revoke' && x.impersonationId === jti));
  assert.equal(events.find((x) => x.type === 'impersonation.revoke' && x.impersonationId === jti)?.actor?.user, 'admin');
});
