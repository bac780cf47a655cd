// The console route over a real HTTP server: login redirect, what each kind of
// user sees, the policy's verdicts, refused-start messages, the auditor's
// active list and event filters, and a clear 503 when the store fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { randomUUID } from 'node:crypto';
import { createConsoleRouter, type ConsoleDeps } from '../../../src/console/routes.ts';
import { CONSOLE_SCRIPT_HASH } from '../../../src/console/assets/console-script.ts';
import { resolveConfig } from '../../../src/config/load.ts';
import { createLogger } from '../../../src/ops/logger.ts';
import { setScope } from '../../../src/scope.ts';
import { createPolicy } from '../../../src/impersonation/policy.ts';
import { createDirectory } from '../../../src/identity/directory.ts';
import { createActiveIndex } from '../../../src/impersonation/active-index.ts';
import { createMemoryState } from '../../../src/session/shared-state.ts';
import type { Runtime } from '../../../src/runtime.ts';
import type { ImpersonationState, UserIdentity } from '../../../src/identity/types.ts';
import type { Directory } from '../../../src/impersonation/types.ts';

const USERS: Record<string, UserIdentity> = {
  admin: { sub: 'sub-admin', user: 'admin', email: 'admin@example.test', name: 'Ada Admin', groups: ['admins'] },
  carol: { sub: 'sub-carol', user: 'carol', email: 'carol@example.test', name: 'Carol Auditor', groups: ['admins'] },
  alice: { sub: 'sub-alice', user: 'alice', email: 'alice@example.test', name: 'Alice Example', groups: ['staff'] },
  bob: { sub: 'sub-bob', user: 'bob', email: 'bob@example.test', name: 'Bob Example', groups: ['staff'] },
  dave: { sub: 'sub-dave', user: 'dave', email: 'dave@example.test', name: 'Dave Outsider', groups: ['contractors'] },
};

const config = resolveConfig({
  publicUrl: 'http://127.0.0.1:8080',
  oidc: { issuer: 'http://127.0.0.1:9000', clientId: 'actas' },
  session: { secret: 'x'.repeat(40) },
  upstreams: [{ name: 'app', url: 'http://127.0.0.1:8081' }],
  impersonation: {
    rules: [{ name: 'support-acts-as-staff', actors: { groups: ['admins'] }, targets: { groups: ['staff'] }, except: { groups: ['admins'] }, maxDuration: '30m', mode: 'read-only' }],
    auditors: { users: ['carol'] },
  },
  audit: { sinks: [{ type: 'stdout' }] },
});
const rt = { config, logger: createLogger('silent'), publicOrigin: 'http://127.0.0.1:8080' } as unknown as Runtime;

interface TestSession { user?: UserIdentity; impersonation?: ImpersonationState; csrf?: string }
const sessions = new Map<string, TestSession>();
const queries: Array<Record<string, unknown>> = [];
let failQuery: Error | undefined;
let base = '';
let brokenBase = '';
const servers: http.Server[] = [];
const active = createActiveIndex(createMemoryState());

function appWith(deps: ConsoleDeps): express.Express {
  const app = express();
  app.set('query parser', 'simple');
  // Stands in for the reserved app: a scope and a loaded session (picked by a test header).
  app.use((req, _res, next) => {
    setScope(req, { requestId: randomUUID(), startedAt: 0, path: req.path, clientIp: '127.0.0.1', isPublic: false, upgrade: false });
    const key = String(req.headers['x-test-session'] ?? '');
    if (key && !sessions.has(key)) sessions.set(key, {});
    (req as unknown as { session: TestSession }).session = sessions.get(key) ?? {};
    next();
  });
  app.use('/.actas', createConsoleRouter(deps));
  return app;
}

async function listen(app: express.Express): Promise<string> {
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  const directory = createDirectory(createMemoryState());
  for (const u of Object.values(USERS)) await directory.record(u);
  const policy = createPolicy(config);
  base = await listen(appWith({
    rt, policy, directory, active,
    auditQuery: async (filter) => {
      queries.push(filter);
      if (failQuery) throw failQuery;
      return [{ id: 'e1', time: '2025-05-01T11:00:00.000Z', type: 'request', outcome: 'success', actor: { sub: 'sub-admin', user: 'admin' }, subject: { sub: 'sub-alice', user: 'alice' }, method: 'GET', path: '/html', status: 200, impersonationId: 'imp-1' }];
    },
  }));
  // A store that cannot answer: the fault is simulated because it cannot be caused in memory.
  const down = (): Promise<never> => Promise.reject(new Error('store down'));
  const broken: Directory = { record: down, get: down, search: down };
  brokenBase = await listen(appWith({ rt, policy, directory: broken, active }));
});

after(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
});

async function get(path: string, as?: string, target = base): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  let key = '';
  if (as) {
    key = `${as}-${randomUUID()}`;
    sessions.set(key, { user: USERS[as]! });
  }
  return getWith(path, key, target);
}

async function getWith(path: string, key: string, target = base) {
  const res = await fetch(new URL(path, target), { redirect: 'manual', headers: { accept: 'text/html', ...(key ? { 'x-test-session': key } : {}) } });
  return { status: res.status, headers: Object.fromEntries(res.headers) as http.IncomingHttpHeaders, body: await res.text() };
}

test('signed out: redirected to login, back to the console (and its query) afterwards', async () => {
  const plain = await get('/.actas/');
  assert.equal(plain.status, 302);
  assert.equal(plain.headers.location, '/.actas/login?rd=/.actas/');
  const withQuery = await get('/.actas/?rd=/html&q=ali');
  assert.equal(withQuery.headers.location, `/.actas/login?rd=${encodeURIComponent('/.actas/?rd=/html&q=ali')}`);
  const bare = await get('/.actas', 'admin');
  assert.equal(bare.status, 302);
  assert.equal(bare.headers.location, '/.actas/');
});

test('an operator searches without JavaScript: allowed targets get a Start form, others the reason, strangers nothing', async () => {
  const page = await get('/.actas/?q=ali&rd=/html', 'admin');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), new RegExp(`script-src ${CONSOLE_SCRIPT_HASH.replace(/[+/]/g, '\\$&')};`));
  assert.match(page.body, /Signed in as <strong>Ada Admin<\/strong>/);
  assert.match(page.body, /1 user found\./);
  assert.match(page.body, /Allowed: read-only, up to 30 min \(rule support-acts-as-staff\)\./);
  assert.match(page.body, /name="target" value="sub-alice"/);
  assert.match(page.body, /name="rd" value="\/html"/);
  const csrf = sessions.get([...sessions.keys()].at(-1)!)!.csrf;
  assert.ok(csrf && page.body.includes(`name="csrf" value="${csrf}"`), 'the form carries the session\u2019s CSRF token');

  const carol = await get('/.actas/?q=carol', 'admin');
  assert.match(carol.body, /Carol Auditor/);
  assert.match(carol.body, /Not allowed: This user may act as others themselves/);
  assert.ok(!carol.body.includes('value="sub-carol"'));

  const self = await get('/.actas/?q=ada', 'admin');
  assert.match(self.body, /Not allowed: You cannot act as yourself\./);

  const stranger = await get('/.actas/?q=dave', 'admin');
  assert.match(stranger.body, /No user matches \u201cdave\u201d\./);
  assert.ok(!stranger.body.includes('Dave Outsider'));
});

test('a user who may act as nobody and is no auditor sees only themselves', async () => {
  const admin = await get('/.actas/', 'admin');
  assert.ok(!admin.body.includes('id="events"'), 'admin may act as staff but is no auditor here');
  const page = await get('/.actas/?q=bob', 'alice');
  assert.equal(page.status, 200);
  assert.match(page.body, /Signed in as <strong>Alice Example<\/strong>/);
  assert.match(page.body, /<span class="tag">staff<\/span>/);
  assert.ok(!page.body.includes('id="act-as"'));
  assert.ok(!page.body.includes('Bob Example'));
  assert.ok(!page.body.includes('id="active"'));
  assert.match(String(page.headers['content-security-policy']), /script-src 'none'/);
});

test('a refused start comes back with the reason in plain words and the target ready to retry', async () => {
  const page = await get('/.actas/?error=reason-too-short&target=sub-alice', 'admin');
  assert.match(page.body, /role="alert"><p>Could not start acting as alice: Give a reason of at least 8 characters/);
  assert.match(page.body, /<li class="result" data-sub="sub-alice">[\s\S]*autofocus/);
  const unknown = await get('/.actas/?error=unknown-or-forbidden-target&target=sub-dave', 'admin');
  assert.match(unknown.body, /Could not start: This user is unknown, or you may not act as them\./);
  assert.ok(!unknown.body.includes('Dave'), 'a forbidden target is not named');
  const novel = await get('/.actas/?error=brand-new-code', 'admin');
  assert.match(novel.body, /The request was refused: Refused \(brand-new-code\)\./);
  const revoked = await get('/.actas/?revoked=imp-9', 'carol');
  assert.match(revoked.body, /Impersonation imp-9 was revoked\./);
});

test('an auditor sees active impersonations with Revoke, and events filtered as asked', async () => {
  const now = Date.now();
  await active.add({ id: 'imp-1', sessionKey: 'k1', actor: { sub: 'sub-admin', user: 'admin' }, target: { sub: 'sub-alice', user: 'alice' }, reason: 'ticket 7 repro', mode: 'read-only', rule: 'support-acts-as-staff', startedAt: now, expiresAt: now + 600_000 });
  try {
    queries.length = 0;
    const page = await get('/.actas/?type=request&actor=admin&since=2025-05-01T10:30&impersonation=imp-1', 'carol');
    assert.equal(page.status, 200);
    assert.match(page.body, /<tr data-id="imp-1">[\s\S]*ticket 7 repro[\s\S]*action="\/\.actas\/sessions\/imp-1\/revoke"/);
    assert.deepEqual(queries, [{ type: 'request', actor: 'admin', since: '2025-05-01T10:30:00.000Z', impersonationId: 'imp-1', limit: 100 }]);
    assert.match(page.body, /Showing the events of impersonation <code>imp-1<\/code>/);
    assert.match(page.body, /GET \/html/);

    failQuery = Object.assign(new Error('since: must not be after until'), { status: 400 });
    const bad = await get('/.actas/', 'carol');
    assert.match(bad.body, /The filter was not accepted: since: must not be after until/);
    failQuery = new Error('redis gone');
    const down = await get('/.actas/', 'carol');
    assert.equal(down.status, 200, 'the rest of the console still works');
    assert.match(down.body, /The audit log cannot be read right now/);
  } finally {
    failQuery = undefined;
    await active.remove('imp-1');
  }
});

test('my impersonation: shown while active, shown as ended once revoked', async () => {
  const now = Date.now();
  const state: ImpersonationState = { id: `imp-${randomUUID()}`, target: USERS.alice!, reason: 'ticket 8 check', mode: 'read-only', rule: 'support-acts-as-staff', startedAt: now, expiresAt: now + 15 * 60_000 };
  await active.add({ id: state.id, sessionKey: 'k', actor: USERS.admin!, target: USERS.alice!, reason: state.reason, mode: state.mode, rule: state.rule, startedAt: now, expiresAt: state.expiresAt });
  const key = `admin-${randomUUID()}`;
  sessions.set(key, { user: USERS.admin!, impersonation: state });
  const acting = await getWith('/.actas/?q=bob', key);
  assert.match(acting.body, /You are acting as <strong>Alice Example<\/strong>/);
  assert.match(acting.body, /in 15 min<\/time>/);
  assert.match(acting.body, /Not allowed: You are already acting as someone\. Stop that first\./);
  await active.revoke(state.id);
  const ended = await getWith('/.actas/', key);
  assert.match(ended.body, /has ended/);
  assert.match(ended.body, /An auditor revoked the impersonation\./);
});

test('a refused start keeps where the operator came from (rd comes back with the error)', async () => {
  const key = `admin-${randomUUID()}`;
  sessions.set(key, { user: USERS.admin! });
  const bounce = async (rd: string) => {
    const res = await fetch(new URL(`/.actas/?error=reason-too-short&target=sub-alice&rd=${encodeURIComponent(rd)}`, base), { headers: { accept: 'text/html', 'x-test-session': key } });
    return /<li class="result" data-sub="sub-alice">[\s\S]*?name="rd" value="([^"]*)"/.exec(await res.text())?.[1];
  };
  assert.equal(await bounce('/html'), '/html');
  assert.equal(await bounce('//evil.example/'), '/', 'still a safe relative path');
});

test('an unsafe rd falls back to the app root; the store failing gives a clear 503', async () => {
  const page = await get('/.actas/?rd=//evil.example/x&q=ali', 'admin');
  assert.match(page.body, /name="rd" value="\/"/);
  const inside = await get('/.actas/?rd=/.actas/logout', 'admin');
  assert.match(inside.body, /name="rd" value="\/"/);
  const down = await get('/.actas/?q=ali', 'admin', brokenBase);
  assert.equal(down.status, 503);
  assert.match(down.body, /cannot reach its shared store/);
  assert.match(down.body, /console-unavailable/);
});
