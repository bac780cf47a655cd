// Who may reach the upstreams, session timeouts, and refresh keeping groups
// current, all against the real IdP.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../../support/stack.ts';
import { demoUsers } from '../../../src/demo/idp.ts';

const stacks: Stack[] = [];
after(() => Promise.all(stacks.map((s) => s.close())));

test('a signed-in user outside access.allow gets a clear 403 page and the upstream sees nothing', async () => {
  const users = { ...demoUsers(), mallory: { password: 'mallory-demo', email: 'mallory@elsewhere.test', name: 'Mallory', preferred_username: 'mallory', groups: ['contractors'] } };
  const stack = await startStack({ idp: { users } });
  stacks.push(stack);
  const c = stack.client();
  const page = await c.login(stack.url, 'mallory', 'mallory-demo', '/secret');
  assert.equal(page.status, 403);
  assert.match(page.body, /Access denied/);
  assert.match(page.body, /mallory/);
  assert.equal(stack.upstream.last('/secret'), undefined);
});

test('access by email domain', async () => {
  const users = { ...demoUsers(), dave: { password: 'dave-demo', email: 'dave@partner.test', name: 'Dave', preferred_username: 'dave', groups: [] } };
  const stack = await startStack({ idp: { users }, configure: (c) => { c.access = { allow: { emailDomains: ['partner.test'] } }; } });
  stacks.push(stack);
  const dave = await stack.loginAs('dave');
  assert.equal((await dave.request(`${stack.url}/x`)).status, 200);
  const alice = stack.client();
  assert.equal((await alice.login(stack.url, 'alice', 'alice-demo', '/x')).status, 403);
});

test('the idle timeout ends a session', async () => {
  const stack = await startStack({ configure: (c) => { (c.session as Record<string, unknown>).idleTimeout = '1s'; } });
  stacks.push(stack);
  const c = await stack.loginAs('alice');
  assert.equal((await c.request(`${stack.url}/a`)).status, 200);
  await new Promise((r) => setTimeout(r, 1_500));
  const r = await c.request(`${stack.url}/a`, { headers: { accept: 'application/json' } });
  assert.equal(r.status, 401);
});

test('the absolute timeout ends a session even while it is used', async () => {
  const stack = await startStack({ configure: (c) => { (c.session as Record<string, unknown>).absoluteTimeout = '2s'; } });
  stacks.push(stack);
  const c = await stack.loginAs('alice');
  for (let i = 0; i < 3; i++) {
    assert.equal((await c.request(`${stack.url}/a`)).status, 200);
    await new Promise((r) => setTimeout(r, 400));
  }
  await new Promise((r) => setTimeout(r, 1_200));
  assert.equal((await c.request(`${stack.url}/a`, { headers: { accept: 'application/json' } })).status, 401);
});

test('refresh before expiry keeps groups current', async () => {
  const users = demoUsers();
  const stack = await startStack({ idp: { users, accessTokenTtl: 30 }, configure: (c) => { (c.oidc as Record<string, unknown>).refreshBefore = '60s'; } });
  stacks.push(stack);
  const c = await stack.loginAs('bob');
  await c.request(`${stack.url}/g1`);
  assert.equal(stack.upstream.last('/g1')!.headers['x-forwarded-groups'], 'staff');
  users.bob!.groups = ['staff', 'editors'];
  await c.request(`${stack.url}/g2`);
  assert.equal(stack.upstream.last('/g2')!.headers['x-forwarded-groups'], 'staff,editors');
  users.bob!.groups = ['contractors'];
  const denied = await c.request(`${stack.url}/g3`, { headers: { accept: 'application/json' } });
  assert.equal(denied.status, 403, 'losing the group at refresh loses access');
});

test('userinfo fills claims the ID token lacks', async () => {
  const stack = await startStack({ idp: { minimalIdToken: true } });
  stacks.push(stack);
  const c = await stack.loginAs('alice');
  await c.request(`${stack.url}/ui`);
  const seen = stack.upstream.last('/ui')!;
  assert.equal(seen.headers['x-forwarded-user'], 'alice');
  assert.equal(seen.headers['x-forwarded-groups'], 'staff');
  assert.equal(seen.headers['x-forwarded-email'], 'alice@example.test');
});

test('with an https publicUrl the session cookie is __Host- prefixed and Secure, also on the login routes', async () => {
  const stack = await startStack({ configure: (c) => { c.publicUrl = String(c.publicUrl).replace('http:', 'https:'); } });
  stacks.push(stack);
  const r = await stack.client().request(`${stack.url}/.actas/login?rd=/`, { headers: { 'x-forwarded-proto': 'http' } });
  assert.equal(r.status, 302);
  const line = ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((l) => l.startsWith('__Host-actas='));
  assert.ok(line, `a __Host- cookie is set: ${r.headers['set-cookie']}`);
  assert.match(line!, /; Secure/);
  assert.match(line!, /; Path=\//);
  assert.doesNotMatch(line!, /Domain=/i);
});

test('renamed identity headers are set under their new names and stripped under them too', async () => {
  const stack = await startStack({ configure: (c) => { c.identity = { headers: { user: 'X-Remote-User', groups: 'X-Remote-Groups' } }; } });
  stacks.push(stack);
  const c = await stack.loginAs('alice');
  await c.request(`${stack.url}/renamed`, { headers: { 'X-Remote-User': 'admin', 'x_remote_groups': 'admins' } });
  const seen = stack.upstream.last('/renamed')!;
  assert.equal(seen.headers['x-remote-user'], 'alice');
  assert.equal(seen.headers['x-remote-groups'], 'staff');
  assert.equal(seen.headers['x_remote_groups'], undefined);
  assert.equal(seen.headers['x-forwarded-email'], 'alice@example.test', 'the others keep their default names');
});
