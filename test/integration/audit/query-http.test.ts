// Auditors' queries: AuditLog.query over the file sink (across rotated files)
// and the Redis stream, and the JSON handler on a real HTTP server, including
// its 400s for bad input.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { createClient } from 'redis';
import { createAuditLog, type AuditEventInput, type AuditLog } from '../../../src/audit/index.ts';
import { createAuditEventsHandler } from '../../../src/audit/http.ts';
import type { ConfigInput } from '../../../src/config/schema.ts';
import { REDIS_URL, auditConfig, captureLogger, tempDir, uniqueKey, waitFor } from './support.ts';

type SinkEntry = NonNullable<NonNullable<ConfigInput['audit']>['sinks']>[number];

const alice = { sub: 'sub-alice', user: 'alice', email: 'Alice@Example.org' };
const bob = { sub: 'sub-bob', user: 'bob' };
const carol = { sub: 'sub-carol', user: 'carol' };

async function seed(log: AuditLog, oneBatchEach = false): Promise<void> {
  // A file rotates between batches, so storing one event per batch makes the
  // seed span several files.
  const stored = (): Promise<void> => waitFor('events stored', async () => (await log.health()).backlog === 0, 5_000, 2);
  const inputs: AuditEventInput[] = [
    { type: 'login.success', outcome: 'success', actor: alice },
    { type: 'impersonation.start', outcome: 'success', actor: alice, subject: bob, reason: 'ticket 1', impersonationId: 'imp-1' },
    ...Array.from({ length: 30 }, (_, i): AuditEventInput => ({ type: 'request', outcome: 'success', actor: alice, subject: bob, method: 'GET', path: `/b/${i}`, status: 200, impersonationId: 'imp-1' })),
    { type: 'impersonation.stop', outcome: 'success', actor: alice, subject: bob, impersonationId: 'imp-1' },
    { type: 'impersonation.denied', outcome: 'denied', actor: carol, subject: alice, reasons: ['privileged-target'] },
    { type: 'request', outcome: 'success', actor: carol, method: 'GET', path: '/c' },
  ];
  for (const input of inputs) {
    await log.record(input);
    if (oneBatchEach) await stored();
  }
  // Buffered events are written behind record(); queries read the sink.
  await stored();
}

const sources: Array<{ name: string; sink(t: TestContext, dir: string): Promise<SinkEntry> }> = [
  // maxBytes small enough that the seed spans several rotated files.
  { name: 'file (rotated)', sink: async (_t, dir) => ({ type: 'file', path: join(dir, 'audit', 'actas.jsonl'), maxBytes: 2048 }) },
  {
    name: 'redis-stream',
    async sink(t) {
      const stream = uniqueKey('audit-query');
      t.after(async () => {
        const c = createClient({ url: REDIS_URL });
        c.on('error', () => undefined);
        try {
          await c.connect();
          await c.del(stream);
        } catch {
          // a cleanup must not stop the hooks after it
        } finally {
          c.destroy();
        }
      });
      return { type: 'redis-stream', url: REDIS_URL, stream };
    },
  },
];

for (const source of sources) {
  describe(`AuditLog.query from ${source.name}`, () => {
    it('filters by type, actor, subject, impersonation and time, newest first', async (t) => {
      const dir = await tempDir(t);
      const sink = await source.sink(t, dir);
      const log = await createAuditLog(auditConfig({ sinks: [sink], spoolDir: join(dir, 'spool') }), captureLogger().logger);
      t.after(() => log.close());
      const before = Date.now();
      await seed(log, sink.type === 'file');
      if (sink.type === 'file') assert.ok((await readdir(join(dir, 'audit'))).length > 2, 'the seed spans rotated files');

      const all = await log.query({ limit: 1000 });
      assert.equal(all.length, 35);
      assert.equal(all[0]!.path, '/c', 'newest first');
      assert.equal(all.at(-1)!.type, 'login.success');

      const requests = await log.query({ impersonationId: 'imp-1', type: 'request', limit: 5 });
      assert.deepEqual(requests.map((e) => e.path), ['/b/29', '/b/28', '/b/27', '/b/26', '/b/25']);
      assert.equal((await log.query({ impersonationId: 'imp-1' })).length, 32);
      assert.equal((await log.query({ actor: 'carol' })).length, 2);
      assert.equal((await log.query({ actor: 'alice@example.org', type: 'login.success' })).length, 1, 'emails match case-insensitively');
      assert.deepEqual((await log.query({ subject: 'sub-alice' })).map((e) => e.type), ['impersonation.denied']);
      assert.equal((await log.query({ since: before, until: new Date(Date.now() + 1000) })).length, 35);
      assert.equal((await log.query({ until: before - 60_000 })).length, 0);
      assert.equal((await log.query({ since: new Date(Date.now() + 60_000).toISOString() })).length, 0);
      await assert.rejects(log.query({ limit: 0 }), { code: 'ERR_ACTAS_AUDIT_BAD_QUERY' });
    });
  });
}

describe('GET /.actas/audit/events handler', () => {
  async function serve(t: TestContext): Promise<string> {
    const dir = await tempDir(t);
    const log = await createAuditLog(auditConfig({ sinks: [{ type: 'file', path: join(dir, 'a.jsonl') }], spoolDir: join(dir, 'spool') }), captureLogger().logger);
    t.after(() => log.close());
    await seed(log);
    const handler = createAuditEventsHandler(log);
    const server = createServer((req, res) => {
      handler(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}/.actas/audit/events`;
  }

  it('answers matching events as JSON, newest first', async (t) => {
    const base = await serve(t);
    const res = await fetch(`${base}?type=request&actor=alice&subject=bob&limit=3`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await res.json() as { events: Array<{ path: string; hash: string }> };
    assert.deepEqual(body.events.map((e) => e.path), ['/b/29', '/b/28', '/b/27']);
    assert.match(body.events[0]!.hash, /^[0-9a-f]{64}$/);
    const empty = await fetch(`${base}?type=&actor=`);
    assert.equal(empty.status, 200, 'empty form fields mean "any"');
  });

  it('refuses bad input with 400 and a JSON reason', async (t) => {
    const base = await serve(t);
    const cases: Array<[string, RegExp]> = [
      ['?type=nope', /^type:/],
      ['?limit=0', /^limit:/],
      ['?limit=5000', /^limit:/],
      ['?limit=abc', /^limit:/],
      ['?since=yesterday', /^since:/],
      ['?since=2030-01-01&until=2020-01-01', /^since:/],
      ['?actor=a&actor=b', /^actor: given more than once/],
      ['?sort=asc', /^sort: unknown parameter/],
      [`?subject=${'x'.repeat(600)}`, /^subject:/],
    ];
    for (const [query, reason] of cases) {
      const res = await fetch(base + query);
      assert.equal(res.status, 400, query);
      const body = await res.json() as { error: string; reason: string };
      assert.equal(body.error, 'bad-request');
      assert.match(body.reason, reason, query);
    }
    const post = await fetch(base, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });
});
