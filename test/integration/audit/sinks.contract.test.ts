// One contract, every sink: what is recorded arrives once, in order, in the
// closed schema, with a hash chain that verifies from the genesis value; a
// required event is in the sink by the time record() resolves.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { AUDIT_FIELDS, ChainVerifier, createAuditLog, hashSessionId, type AuditEventInput } from '../../../src/audit/index.ts';
import type { ConfigInput } from '../../../src/config/schema.ts';
import { REDIS_URL, auditConfig, captureLogger, tempDir, webhookReceiver, redisStream } from './support.ts';

type SinkEntry = NonNullable<NonNullable<ConfigInput['audit']>['sinks']>[number];

interface Harness {
  sink: SinkEntry;
  stdout?: NodeJS.WritableStream;
  /** The stored form of every event, in the sink's order. */
  read(): Promise<string[]>;
}

const kinds: Array<{ name: string; setup(t: TestContext, dir: string): Promise<Harness> }> = [
  {
    name: 'file',
    async setup(_t, dir) {
      const path = join(dir, 'audit', 'actas.jsonl');
      return {
        sink: { type: 'file', path, required: true },
        read: async () => (await readFile(path, 'utf8')).split('\n').filter((l) => l !== ''),
      };
    },
  },
  {
    name: 'stdout',
    async setup() {
      const out = new PassThrough();
      let text = '';
      out.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      return { sink: { type: 'stdout', required: true }, stdout: out, read: async () => text.split('\n').filter((l) => l !== '') };
    },
  },
  {
    name: 'redis-stream',
    async setup(t) {
      const { client, stream } = await redisStream(t, 'audit-contract');
      return {
        sink: { type: 'redis-stream', url: REDIS_URL, stream, required: true },
        read: async () => ((await client.xRange(stream, '-', '+')) ?? []).map((e) => String(e.message.event)),
      };
    },
  },
  {
    name: 'webhook',
    async setup(t) {
      const receiver = await webhookReceiver(t);
      return {
        sink: { type: 'webhook', url: receiver.url, required: true, flushInterval: 10, batchSize: 4 },
        read: async () => receiver.events.map((e) => JSON.stringify(e)),
      };
    },
  },
];

const alice = { sub: 'sub-alice', user: 'alice', email: 'alice@example.org' };
const bob = { sub: 'sub-bob', user: 'bob' };

function script(): AuditEventInput[] {
  return [
    { type: 'login.success', outcome: 'success', actor: alice, sessionId: 'raw-session-1', ip: '127.0.0.1', userAgent: 'test/1.0' },
    { type: 'impersonation.start', outcome: 'success', actor: alice, subject: bob, reason: 'ticket 4711', mode: 'read-only', expiresAt: Date.UTC(2030, 0, 1), impersonationId: 'imp-1', sessionId: 'raw-session-1' },
    ...Array.from({ length: 9 }, (_, i): AuditEventInput => ({ type: 'request', outcome: 'success', actor: alice, subject: bob, method: 'GET', path: `/page/${i}`, status: 200, durationMs: i + 0.5, upstream: 'app', impersonationId: 'imp-1', requestId: `req-${i}` })),
    { type: 'request.blocked', outcome: 'denied', actor: alice, subject: bob, method: 'POST', path: '/account/password', reasons: ['deny-path'], impersonationId: 'imp-1' },
    { type: 'impersonation.stop', outcome: 'success', actor: alice, subject: bob, impersonationId: 'imp-1' },
  ];
}

for (const kind of kinds) {
  describe(`audit sink contract: ${kind.name}`, () => {
    it('stores every event once, in order, in the closed schema, on a chain from genesis', async (t) => {
      const dir = await tempDir(t);
      const h = await kind.setup(t, dir);
      const config = auditConfig({ sinks: [h.sink], spoolDir: join(dir, 'spool') });
      const log = await createAuditLog(config, captureLogger().logger, h.stdout ? { stdout: h.stdout } : {});
      t.after(() => log.close());
      const inputs = script();
      for (const input of inputs) await log.record(input);
      await log.close();

      const lines = await h.read();
      assert.equal(lines.length, inputs.length, 'one stored event per record()');
      const verifier = new ChainVerifier();
      lines.forEach((line, i) => assert.equal(verifier.check(line), undefined, `event ${i + 1} breaks the chain`));
      const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(events.map((e) => e.type), inputs.map((i) => i.type), 'stored in record order');
      for (const event of events) {
        for (const key of Object.keys(event)) assert.ok((AUDIT_FIELDS as readonly string[]).includes(key), `field ${key} is in the closed list`);
        assert.equal(event.v, 1);
      }
      const start = events[1]!;
      assert.deepEqual(start.actor, alice);
      assert.deepEqual(start.subject, bob);
      assert.equal(start.reason, 'ticket 4711');
      assert.equal(start.expiresAt, '2030-01-01T00:00:00.000Z');
      assert.equal(start.sessionId, hashSessionId('raw-session-1', config.session.secret as string));
      assert.ok(!lines.some((l) => l.includes('raw-session-1')), 'the raw session id is never stored');
      assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'ids are unique');
      assert.equal(events.filter((e) => e.impersonationId === 'imp-1').length, inputs.length - 1);
    });

    it('has a required event stored by the time record() resolves', async (t) => {
      const dir = await tempDir(t);
      const h = await kind.setup(t, dir);
      const log = await createAuditLog(auditConfig({ sinks: [h.sink], spoolDir: join(dir, 'spool') }), captureLogger().logger, h.stdout ? { stdout: h.stdout } : {});
      t.after(() => log.close());
      await log.record({ type: 'impersonation.start', outcome: 'success', actor: alice, subject: bob, reason: 'ticket 4712', impersonationId: 'imp-2' });
      const lines = await h.read();
      assert.equal(lines.length, 1);
      assert.equal(JSON.parse(lines[0]!).impersonationId, 'imp-2');
      assert.equal((await log.health()).ok, true);
    });

    it('writes a name with line breaks and a terminal escape as one neutralised line', async (t) => {
      const dir = await tempDir(t);
      const h = await kind.setup(t, dir);
      const log = await createAuditLog(auditConfig({ sinks: [h.sink], spoolDir: join(dir, 'spool') }), captureLogger().logger, h.stdout ? { stdout: h.stdout } : {});
      t.after(() => log.close());
      const evil = 'mallory\n{"v":1,"type":"logout"}\r\u2028\u2029\x1b[2J';
      await log.record({ type: 'login.failure', outcome: 'failure', actor: { sub: evil, user: evil }, reason: evil });
      await log.close();
      const lines = await h.read();
      assert.equal(lines.length, 1, 'exactly one event stored');
      assert.doesNotMatch(lines[0]!, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/, 'no raw control or separator characters');
      const event = JSON.parse(lines[0]!);
      assert.equal(event.actor.user, 'mallory\\u000a{"v":1,"type":"logout"}\\u000d\\u2028\\u2029\\u001b[2J');
      assert.equal(new ChainVerifier().check(lines[0]!), undefined);
    });
  });
}
