// The console's renderers: hostile values are escaped everywhere they appear,
// sections appear only for those allowed to see them, and durations, times,
// messages and filters read as an operator expects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { renderConsole } from '../../../src/console/pages/console.ts';
import { durationChoices, verdictText } from '../../../src/console/pages/act-as.ts';
import { messageFor } from '../../../src/console/pages/messages.ts';
import { parseEventFilter, parseUtc } from '../../../src/console/pages/filters.ts';
import { relative, timeEl } from '../../../src/console/pages/time.ts';
import { CONSOLE_SCRIPT, CONSOLE_SCRIPT_HASH } from '../../../src/console/assets/console-script.ts';
import type { ConsoleView } from '../../../src/console/pages/view.ts';
import type { Decision } from '../../../src/impersonation/types.ts';

const EVIL = '<img src=x onerror=alert(1)>';
const NOW = Date.parse('2025-05-01T12:00:00Z');
const allow: Decision = { allow: true, reasons: ['rule-matched'], rule: 'support', maxDuration: 30 * 60_000, mode: 'read-only' };
const refuse: Decision = { allow: false, reasons: ['target-may-impersonate'], maxDuration: 0, mode: 'read-only' };

function baseView(over: Partial<ConsoleView> = {}): ConsoleView {
  return {
    prefix: '/.actas/', now: NOW, csrf: 'csrf-token-value', rd: '/html', minReasonLength: 8,
    user: { sub: 'sub-admin', user: 'admin', email: 'admin@example.test', name: 'Ada Admin', groups: ['admins'] },
    notices: [],
    ...over,
  };
}

function hostileView(): ConsoleView {
  return baseView({
    user: { sub: EVIL, user: EVIL, email: EVIL, name: EVIL, groups: [EVIL] },
    csrf: `"${EVIL}`,
    rd: `/x?"${EVIL}`,
    notices: [{ kind: 'error', text: EVIL }],
    impersonation: { id: EVIL, target: { sub: EVIL, user: EVIL, name: EVIL, groups: [] }, reason: EVIL, mode: 'read-only', rule: EVIL, startedAt: NOW - 60_000, expiresAt: NOW + 600_000 },
    actAs: { q: EVIL, searched: true, results: [
      { entry: { sub: EVIL, user: EVIL, email: EVIL, name: EVIL }, decision: { ...allow, rule: EVIL } },
      { entry: { sub: EVIL, user: EVIL, name: EVIL }, decision: { ...refuse, reasons: [EVIL] } },
    ] },
    auditor: {
      active: [{ id: EVIL, sessionKey: 'k', actor: { sub: EVIL, user: EVIL, name: EVIL }, target: { sub: EVIL, user: EVIL, name: EVIL }, reason: EVIL, mode: 'full', rule: EVIL, startedAt: NOW, expiresAt: NOW + 60_000 }],
      filter: { actor: EVIL, subject: EVIL, impersonationId: EVIL },
      events: [{ id: EVIL, time: EVIL, type: EVIL, outcome: EVIL, actor: { user: EVIL }, subject: { user: EVIL }, reason: EVIL, method: EVIL, path: EVIL, status: EVIL, impersonationId: EVIL, reasons: [EVIL] }],
      eventsNote: EVIL,
    },
  });
}

test('every hostile value is escaped: no markup from data reaches the page', () => {
  const page = renderConsole(hostileView());
  const out = page.body.value;
  assert.ok(out.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the value is shown, escaped');
  assert.ok(!out.includes('<img'), 'no raw <img> element anywhere');
  assert.ok(!/onerror=alert\(1\)>/.test(out), 'no attribute break-out');
  // Attribute values: a quote in the csrf token or rd cannot close the attribute.
  assert.ok(out.includes('value="&quot;&lt;img'));
  assert.ok(!out.includes('value=""<'));
  // The title is text (sendPage escapes it), so it carries the value as is.
  assert.equal(page.title, `Console [as ${EVIL}]`);
});

test('the script never touches markup and is allowed by its exact hash', () => {
  const page = renderConsole(baseView({ actAs: { q: '', searched: false, results: [] } }));
  assert.equal(page.tail.value, `<script>${CONSOLE_SCRIPT}</script>`);
  const hash = `'sha256-${createHash('sha256').update(CONSOLE_SCRIPT).digest('base64')}'`;
  assert.deepEqual(page.scriptHashes, [hash]);
  assert.equal(CONSOLE_SCRIPT_HASH, hash);
  assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(CONSOLE_SCRIPT));
  assert.ok(!CONSOLE_SCRIPT.includes('</'), 'nothing in the script can close the element');
});

test('a non-auditor sees no auditor section; an auditor sees both', () => {
  const operator = renderConsole(baseView({ actAs: { q: '', searched: false, results: [] } })).body.value;
  assert.ok(!operator.includes('id="active"'));
  assert.ok(!operator.includes('id="events"'));
  assert.ok(!operator.includes('/revoke'));
  const auditor = renderConsole(baseView({ auditor: { active: [], filter: {}, events: [] } })).body.value;
  assert.ok(auditor.includes('id="active"'));
  assert.ok(auditor.includes('id="events"'));
  assert.ok(auditor.includes('Nobody is acting as anyone right now.'));
});

test('a user who may impersonate nobody sees no act-as form and gets no script', () => {
  const page = renderConsole(baseView({ user: { sub: 's', user: 'alice', groups: ['staff'] } }));
  assert.ok(!page.body.value.includes('impersonate'));
  assert.ok(!page.body.value.includes('id="act-as"'));
  assert.ok(!page.body.value.includes('name="q"'));
  assert.equal(page.tail.value, '');
  assert.deepEqual(page.scriptHashes, []);
  assert.ok(page.body.value.includes('Signed in as'));
  assert.ok(page.body.value.includes('/.actas/logout'), 'sign out is always there');
});

test('an allowed result has a Start form with CSRF, target, rd and durations capped by the rule; a refused one says why', () => {
  const body = renderConsole(baseView({ actAs: { q: 'ali', searched: true, results: [
    { entry: { sub: 'sub-alice', user: 'alice', name: 'Alice Example' }, decision: allow },
    { entry: { sub: 'sub-carol', user: 'carol', name: 'Carol Auditor' }, decision: refuse },
  ] } })).body.value;
  const forms = body.match(/<form method="post" action="\/\.actas\/impersonate"[\s\S]*?<\/form>/g) ?? [];
  assert.equal(forms.length, 2, 'one for alice and one in the template');
  const alice = forms[0]!;
  assert.match(alice, /name="csrf" value="csrf-token-value"/);
  assert.match(alice, /name="target" value="sub-alice"/);
  assert.match(alice, /name="rd" value="\/html"/);
  assert.match(alice, /<label for="reason-0">Reason/);
  assert.match(alice, /id="reason-0" name="reason" required/);
  assert.deepEqual([...alice.matchAll(/<option value="(\d+)"/g)].map((m) => m[1]), ['5', '15', '30']);
  assert.match(body, /Allowed: read-only, up to 30 min \(rule support\)/);
  assert.match(body, /Not allowed: This user may act as others themselves/);
  assert.ok(!body.includes('value="sub-carol"'), 'no Start form for a refused target');
});

test('my active impersonation shows target, reason, mode, time left and a Stop form', () => {
  const body = renderConsole(baseView({
    impersonation: { id: 'imp-1', target: { sub: 'sub-alice', user: 'alice', name: 'Alice Example', groups: ['staff'] }, reason: 'ticket 42 repro', mode: 'read-only', rule: 'support', startedAt: NOW - 3 * 60_000, expiresAt: NOW + 12 * 60_000 },
  })).body.value;
  assert.match(body, /You are acting as <strong>Alice Example<\/strong>/);
  assert.ok(body.includes('ticket 42 repro'));
  assert.ok(body.includes('<time datetime="2025-05-01T12:12:00.000Z" title="2025-05-01 12:12:00Z">in 12 min</time>'));
  assert.match(body, /action="\/\.actas\/release"[\s\S]*name="csrf" value="csrf-token-value"[\s\S]*Stop acting as/);
  const ended = renderConsole(baseView({
    impersonation: { id: 'imp-1', target: { sub: 'sub-alice', user: 'alice', groups: [] }, reason: 'r', mode: 'full', rule: 'x', startedAt: NOW - 60_000, expiresAt: NOW + 60_000 },
    ended: 'revoked',
  })).body.value;
  assert.match(ended, /has ended/);
  assert.match(ended, /An auditor revoked the impersonation\./);
  assert.ok(!ended.includes('class="card acting"'));
});

test('auditor rows link to their requests and carry a Revoke form', () => {
  const body = renderConsole(baseView({ auditor: {
    active: [{ id: 'imp/1', sessionKey: 'k', actor: { sub: 'a', user: 'admin' }, target: { sub: 'b', user: 'alice' }, reason: 'why', mode: 'read-only', rule: 'r', startedAt: NOW, expiresAt: NOW + 60_000 }],
    filter: { type: 'request', since: '2025-05-01T10:00:00.000Z' },
    events: [{ time: '2025-05-01T11:00:00.000Z', type: 'request', outcome: 'success', actor: { user: 'admin' }, subject: { user: 'alice' }, method: 'GET', path: '/html', status: 200, impersonationId: 'imp/1' }],
  } })).body.value;
  assert.ok(body.includes('action="/.actas/sessions/imp%2F1/revoke"'));
  assert.ok(body.includes('href="/.actas/?impersonation=imp%2F1&amp;rd=%2Fhtml#events"'));
  assert.ok(body.includes('<option selected>request</option>'));
  assert.ok(body.includes('name="since" type="datetime-local" step="1" value="2025-05-01T10:00:00"'));
  assert.ok(body.includes('GET /html'));
});

test('durations: the steps below the rule maximum, plus the maximum itself', () => {
  assert.deepEqual(durationChoices(30 * 60_000), [5, 15, 30]);
  assert.deepEqual(durationChoices(45 * 60_000), [5, 15, 30, 45]);
  assert.deepEqual(durationChoices(3 * 60_000), [3]);
  assert.deepEqual(durationChoices(30_000), []);
  assert.deepEqual(durationChoices(0), []);
});

test('every known code reads in plain words; an unknown one falls back to the code', () => {
  assert.equal(messageFor('reason-too-short', 12), 'Give a reason of at least 12 characters: what you are doing and why (a ticket number helps).');
  for (const code of ['duration-too-long', 'csrf-token-missing', 'csrf-token-mismatch', 'foreign-origin', 'cross-site-request', 'audit-unavailable',
    'not-allowed', 'self-impersonation', 'already-impersonating', 'target-disabled', 'target-may-impersonate', 'unknown-or-forbidden-target']) {
    const text = messageFor(code, 8);
    assert.ok(!text.includes(code) && /^[A-Z].*\.$/.test(text), `${code} has a plain message: ${text}`);
  }
  assert.equal(messageFor('some-new-code', 8), 'Refused (some-new-code).');
  assert.equal(messageFor('__proto__', 8), 'Refused (__proto__).');
  assert.equal(verdictText({ allow: false, reasons: [], maxDuration: 0, mode: 'read-only' }, 8), 'Not allowed: No rule lets you act as this user.');
});

test('times: relative text, UTC datetime; event filters read datetime-local as UTC', () => {
  assert.equal(relative(NOW + 12 * 60_000, NOW), 'in 12 min');
  assert.equal(relative(NOW - 3 * 3_600_000, NOW), '3 h ago');
  assert.equal(timeEl('not a time').value, '<span class="muted">not a time</span>');
  assert.equal(parseUtc('2025-05-01T10:30'), '2025-05-01T10:30:00.000Z');
  assert.equal(parseUtc('2025-05-01T10:30:15'), '2025-05-01T10:30:15.000Z');
  assert.equal(parseUtc('yesterday'), undefined);
  const { filter, problems } = parseEventFilter({ type: 'request', actor: ' admin ', subject: '', since: '2025-05-01T10:30', until: 'soon', impersonation: 'imp-1' });
  assert.deepEqual(filter, { type: 'request', actor: 'admin', since: '2025-05-01T10:30:00.000Z', impersonationId: 'imp-1' });
  assert.equal(problems.length, 1);
  assert.deepEqual(parseEventFilter({ type: 'drop-table' }).filter, {});
});
