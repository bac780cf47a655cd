// Building events: only the closed field list survives, the vocabulary is
// enforced, values are neutralised and capped, session ids are hashed, and
// what tail shows never carries a raw control character.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent, hashSessionId } from '../../../src/audit/event.ts';
import { capField, neutralise } from '../../../src/audit/sanitize.ts';
import { formatEvent } from '../../../src/audit/format.ts';
import { serializeEvent } from '../../../src/audit/canonical.ts';
import { chainRecords } from '../../../src/audit/chain.ts';
import { AUDIT_FIELDS, GENESIS, type AuditEventInput } from '../../../src/audit/index.ts';

const SECRET = 's'.repeat(40);
const build = (input: AuditEventInput, max = 1024) => buildEvent(input, { maxFieldLength: max, sessionSecret: SECRET });
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('buildEvent', () => {
  it('keeps only the closed field list, in schema order', () => {
    const input = {
      type: 'impersonation.start', outcome: 'success',
      actor: { sub: 's1', user: 'ann', email: 'ann@example.org', groups: ['admins'], name: 'Ann' },
      subject: { sub: 's2', user: 'bob' },
      reason: 'ticket', password: 'hunter2', extra: { nested: true },
    } as unknown as AuditEventInput;
    const event = build(input);
    assert.deepEqual(Object.keys(event).filter((k) => !(AUDIT_FIELDS as readonly string[]).includes(k)), []);
    assert.deepEqual(event.actor, { sub: 's1', user: 'ann', email: 'ann@example.org' });
    assert.equal(event.v, 1);
    assert.match(event.id, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(event.time)));
    const line = serializeEvent(chainRecords(GENESIS, [event])[0]!);
    assert.ok(!line.includes('hunter2'));
    assert.match(line, /^\{"v":1,"id":"[^"]+","time":"[^"]+","type":"impersonation.start","outcome":"success","actor":\{"sub":"s1","user":"ann","email":"ann@example.org"\}/);
  });

  it('refuses a type or outcome outside the vocabulary', () => {
    assert.throws(() => build({ type: 'impersonation.begin', outcome: 'success' } as unknown as AuditEventInput), { code: 'ERR_ACTAS_AUDIT_INVALID_EVENT' });
    assert.throws(() => build({ type: 'logout', outcome: 'ok' } as unknown as AuditEventInput), { code: 'ERR_ACTAS_AUDIT_INVALID_EVENT' });
  });

  it('normalises numbers and dates, and drops values that are not what they claim', () => {
    const event = build({
      type: 'request', outcome: 'success', expiresAt: Date.UTC(2031, 4, 6, 7, 8, 9), status: 42, durationMs: -1,
      reasons: Array.from({ length: 50 }, (_, i) => `r${i}`),
    });
    assert.equal(event.expiresAt, '2031-05-06T07:08:09.000Z');
    assert.equal(event.status, undefined);
    assert.equal(event.durationMs, undefined);
    assert.equal(event.reasons?.length, 32);
    assert.equal(build({ type: 'request', outcome: 'success', expiresAt: 'soon' }).expiresAt, undefined);
    assert.equal(build({ type: 'request', outcome: 'success', durationMs: 12.34567 }).durationMs, 12.346);
  });

  it('stores a keyed hash of the session id, never the id', () => {
    const event = build({ type: 'logout', outcome: 'success', sessionId: 'sess-123' });
    assert.match(event.sessionId!, /^[0-9a-f]{32}$/);
    assert.equal(event.sessionId, hashSessionId('sess-123', SECRET));
    assert.notEqual(hashSessionId('sess-123', 't'.repeat(40)), event.sessionId, 'depends on the secret');
    assert.notEqual(hashSessionId('sess-124', SECRET), event.sessionId, 'depends on the id');
  });
});

describe('escaping and caps', () => {
  it('turns line breaks, separators, escapes, bidi and zero-width characters into visible text', () => {
    assert.equal(neutralise('a\nb\rc\u2028d\u2029e\x1b[2Jf'), 'a\\u000ab\\u000dc\\u2028d\\u2029e\\u001b[2Jf');
    assert.equal(neutralise('admin\u202Etxt.exe'), 'admin\\u202etxt.exe');
    assert.equal(neutralise('al\u200Bice'), 'al\\u200bice');
    assert.equal(neutralise('x\ud800y'), 'x\\ud800y', 'a lone surrogate');
    assert.equal(neutralise('ok 😀 é'), 'ok 😀 é', 'ordinary text is untouched');
  });

  it('caps after escaping, without splitting an escape or a surrogate pair', () => {
    const capped = capField('x'.repeat(5000), 64);
    assert.equal(capped.length, 64);
    assert.ok(capped.endsWith('…'));
    const escapes = capField('\x1b'.repeat(100), 64);
    assert.ok(escapes.length <= 64);
    assert.match(escapes, /^(\\u001b)+…$/);
    const emoji = capField('😀'.repeat(100), 64);
    assert.ok(emoji.length <= 64);
    assert.doesNotMatch(emoji, /[\ud800-\udbff](?![\udc00-\udfff])/);
    assert.equal(capField('short', 64), 'short');
  });

  it('caps every string field at audit.maxFieldLength', () => {
    const long = 'y'.repeat(500);
    const event = build({ type: 'request', outcome: 'success', path: long, userAgent: long, reason: long, actor: { sub: long, user: long }, reasons: [long] }, 64);
    for (const value of [event.path, event.userAgent, event.reason, event.actor!.sub, event.actor!.user, event.reasons![0]]) assert.equal(value!.length, 64);
  });

  it('yields one line and a tail line without raw control characters for a hostile name', () => {
    const evil = 'eve\n{"v":1}\r\u2028\u2029\x1b[2J\u202e';
    const [event] = chainRecords(GENESIS, [build({ type: 'login.failure', outcome: 'failure', actor: { sub: evil, user: evil }, reason: evil, path: evil })]);
    const line = serializeEvent(event!);
    assert.equal(line.split(/\r\n|\r|\n|\u2028|\u2029/).length, 1);
    assert.doesNotMatch(line, RAW_CONTROL);
    const shown = formatEvent(event!);
    assert.doesNotMatch(shown, RAW_CONTROL);
    assert.match(shown, /eve\\u000a/);
  });

  it('shows a tampered line (raw controls written around the log) harmlessly', () => {
    const [event] = chainRecords(GENESIS, [build({ type: 'request', outcome: 'success' })]);
    const forged = { ...event!, path: '/x\x1b]0;owned\x07\n', reason: 'a"b\u009b31m' };
    const shown = formatEvent(forged);
    assert.doesNotMatch(shown, RAW_CONTROL);
    assert.match(shown, /reason="a\\"b\\u009b31m"/);
  });
});
