// Real faults, real recoveries: a file sink that cannot write, a Redis that
// is killed and restarted, a webhook that goes away and comes back on the
// same port, a spool that fills up. A required event is refused while its
// sink is down; everything else waits in the spool and arrives afterwards in
// order, with the chain intact and nothing lost.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { ChainVerifier, createAuditLog, type AuditLog } from '../../../src/audit/index.ts';
import { runAuditCommand } from '../../../src/cli/audit.ts';
import { auditConfig, captureLogger, metricValue, privateRedis, tempDir, uniqueKey, waitFor, webhookReceiver } from './support.ts';

const alice = { sub: 'sub-alice', user: 'alice' };
const bob = { sub: 'sub-bob', user: 'bob' };
const start = { type: 'impersonation.start', outcome: 'success', actor: alice, subject: bob, reason: 'ticket 1234', impersonationId: 'imp-x' } as const;

const requests = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({
  type: 'request' as const, outcome: 'success' as const, method: 'GET', path: `/p/${from + i}`, status: 200, requestId: `req-${from + i}`,
}));

async function recordAll(log: AuditLog, inputs: ReturnType<typeof requests>): Promise<void> {
  for (const input of inputs) await log.record(input);
}

/** The label a webhook sink reports under: origin and a short hash of the URL. */
const webhookName = (url: string): string => `webhook:${new URL(url).origin}#${createHash('sha256').update(url).digest('hex').slice(0, 8)}`;

async function sink0(log: AuditLog) {
  return (await log.health()).sinks[0]!;
}

/** A quiet CLI run: returns the exit code and what it printed. */
async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const stream = { write: (s: string) => { out += s; return true; } } as unknown as NodeJS.WritableStream;
  const code = await runAuditCommand(argv, { stdout: stream, stderr: stream });
  return { code, out };
}

describe('audit sinks under real faults', () => {
  it('refuses a required event when the file sink cannot write at all (/sys refuses even root)', async (t) => {
    // chmod 0555 does not stop root, which runs these tests; sysfs refuses to
    // create files for everyone, so the open really fails (EACCES/EPERM).
    const dir = await tempDir(t);
    const path = `/sys/actas-audit-test-${randomBytes(4).toString('hex')}/audit.jsonl`;
    const capture = captureLogger();
    const log = await createAuditLog(auditConfig({ sinks: [{ type: 'file', path }], spoolDir: join(dir, 'spool'), requiredTimeout: 1_000 }), capture.logger);
    t.after(() => log.close());
    await assert.rejects(log.record(start), (err: Error & { code?: string; status?: number }) => {
      assert.equal(err.code, 'ERR_ACTAS_AUDIT_UNAVAILABLE');
      assert.equal(err.status, 503);
      return true;
    });
    await log.record(requests(0, 1)[0]!);
    const health = await log.health();
    assert.equal(health.ok, false);
    assert.equal(health.sinks[0]!.ok, false);
    assert.match(health.sinks[0]!.error ?? '', /EACCES|EPERM|ENOENT/);
    await waitFor('the request (and the refusal record) spooled', async () => (await sink0(log)).backlog === 2);
    assert.ok(await metricValue('actas_audit_refused_total', { type: 'impersonation.start' }) >= 1);
    assert.ok(capture.lines().some((l) => l.level === 50 && String(l.msg).includes('required audit event not stored')), 'the refusal is logged as an error');
  });

  it('spools while the file sink\'s directory is replaced by a file, then delivers in order', async (t) => {
    const dir = await tempDir(t);
    const logs = join(dir, 'logs');
    const path = join(logs, 'actas.jsonl');
    const log = await createAuditLog(auditConfig({ sinks: [{ type: 'file', path }], spoolDir: join(dir, 'spool') }), captureLogger().logger);
    t.after(() => log.close());
    await recordAll(log, requests(0, 3));
    await waitFor('first events written', async () => (await sink0(log)).backlog === 0);

    // The fault: the parent path becomes a regular file, so open() fails with
    // ENOTDIR for every user, root included.
    await rename(logs, `${logs}.away`);
    await writeFile(logs, 'not a directory');
    await recordAll(log, requests(3, 8));
    await waitFor('the sink to fail', async () => !(await sink0(log)).ok);
    await assert.rejects(log.record(start), { code: 'ERR_ACTAS_AUDIT_UNAVAILABLE' });
    await waitFor('5 requests + the refusal in the spool', async () => (await sink0(log)).backlog === 6);
    assert.ok(await metricValue('actas_audit_failures_total', { sink: `file:${path}` }) >= 1);
    assert.equal(await metricValue('actas_audit_backlog', { sink: `file:${path}` }), 6);

    await rm(logs);
    await rename(`${logs}.away`, logs);
    await waitFor('the backlog to drain', async () => (await sink0(log)).backlog === 0 && (await log.health()).ok);
    await log.record(start); // accepted again
    await log.close();

    const events = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => e.requestId ?? `${e.type}:${e.outcome}`), [
      'req-0', 'req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6', 'req-7',
      'impersonation.start:error', 'impersonation.start:success',
    ]);
    assert.deepEqual(events[8].reasons, ['audit-unavailable']);
    const verify = await cli(['verify', path]);
    assert.equal(verify.code, 0, verify.out);
  });

  it('refuses required events while Redis is down and delivers the spool after it restarts', async (t) => {
    const dir = await tempDir(t);
    const redis = await privateRedis(t);
    const stream = uniqueKey('audit-failover');
    const log = await createAuditLog(auditConfig({ sinks: [{ type: 'redis-stream', stream }], spoolDir: join(dir, 'spool') }, redis.url), captureLogger().logger);
    t.after(() => log.close());
    await log.record(start);
    await recordAll(log, requests(0, 3));
    await waitFor('first events stored', async () => (await sink0(log)).backlog === 0);

    await redis.stop();
    await recordAll(log, requests(3, 10));
    await assert.rejects(log.record({ ...start, impersonationId: 'imp-y' }), { code: 'ERR_ACTAS_AUDIT_UNAVAILABLE' });
    await waitFor('the backlog in the spool', async () => (await sink0(log)).backlog === 8 && !(await log.health()).ok);
    assert.deepEqual(
      (await readdir(join(dir, 'spool'))).filter((f) => f.endsWith('.spool')).length, 1, 'one spool file for the sink');

    await redis.start();
    await waitFor('the backlog to drain after the restart', async () => (await sink0(log)).backlog === 0 && (await log.health()).ok, 15_000);
    await log.close();

    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    const entries = (await client.xRange(stream, '-', '+')) ?? [];
    client.destroy();
    const events = entries.map((e) => JSON.parse(String(e.message.event)));
    assert.deepEqual(events.map((e) => e.requestId ?? `${e.type}:${e.outcome}:${e.impersonationId}`), [
      'impersonation.start:success:imp-x', 'req-0', 'req-1', 'req-2',
      'req-3', 'req-4', 'req-5', 'req-6', 'req-7', 'req-8', 'req-9', 'impersonation.start:error:imp-y',
    ]);
    const verify = await cli(['verify', '--redis', redis.url, '--stream', stream]);
    assert.equal(verify.code, 0, verify.out);
  });

  it('treats a frozen Redis (SIGSTOP) as down instead of waiting on it forever', async (t) => {
    const dir = await tempDir(t);
    const redis = await privateRedis(t);
    t.after(() => redis.thaw());
    const stream = uniqueKey('audit-frozen');
    const log = await createAuditLog(auditConfig({
      sinks: [{ type: 'redis-stream', stream }], spoolDir: join(dir, 'spool'), writeTimeout: 300, requiredTimeout: 2_000,
    }, redis.url), captureLogger().logger);
    t.after(() => log.close());
    await recordAll(log, requests(0, 2));
    await waitFor('first events stored', async () => (await sink0(log)).backlog === 0);

    redis.freeze();
    await recordAll(log, requests(2, 6));
    await waitFor('the frozen server to count as failed', async () => !(await sink0(log)).ok);
    assert.match((await sink0(log)).error ?? '', /did not answer|not connected/);
    await assert.rejects(log.record(start), { code: 'ERR_ACTAS_AUDIT_UNAVAILABLE' });

    redis.thaw();
    await waitFor('the backlog to drain', async () => (await sink0(log)).backlog === 0 && (await sink0(log)).ok, 15_000);
    await log.close();
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    const ids = ((await client.xRange(stream, '-', '+')) ?? []).map((e) => JSON.parse(String(e.message.event)).requestId ?? 'refusal');
    client.destroy();
    // A call cut off by the deadline may still have been applied when the
    // server woke up: delivery is at least once, never less.
    const firstSeen = ids.filter((id, i) => ids.indexOf(id) === i);
    assert.deepEqual(firstSeen.filter((id) => id !== 'refusal'), requests(0, 6).map((r) => r.requestId));
    const verify = await cli(['verify', '--redis', redis.url, '--stream', stream]);
    assert.equal(verify.code, 0, verify.out);
  });

  it('retries a webhook that is down, with back-off, and delivers everything once it is back on its port', async (t) => {
    const dir = await tempDir(t);
    const receiver = await webhookReceiver(t);
    const config = auditConfig({
      sinks: [{ type: 'webhook', url: receiver.url, required: true, batchSize: 3, flushInterval: 10, maxRetryDelay: 100 }],
      spoolDir: join(dir, 'spool'),
    });
    const log = await createAuditLog(config, captureLogger().logger);
    t.after(() => log.close());
    const name = webhookName(receiver.url);
    assert.equal((await sink0(log)).name, name);
    assert.ok(!name.includes('/ingest'), 'the URL path (which may hold a token) is not in the label');
    await recordAll(log, requests(0, 3));
    await waitFor('first batch received', () => receiver.events.length === 3);

    await receiver.close();
    const failuresBefore = await metricValue('actas_audit_failures_total', { sink: name });
    await recordAll(log, requests(3, 12));
    await waitFor('the webhook failures to be counted', async () => (await metricValue('actas_audit_failures_total', { sink: name })) >= failuresBefore + 2);
    await assert.rejects(log.record(start), { code: 'ERR_ACTAS_AUDIT_UNAVAILABLE' });
    assert.equal((await sink0(log)).ok, false);

    await receiver.reopen();
    await waitFor('the backlog to be delivered', async () => (await sink0(log)).backlog === 0 && (await sink0(log)).ok, 15_000);
    await log.close();
    const ids = receiver.events.map((e) => e.requestId ?? `${e.type}:${e.outcome}`);
    assert.deepEqual(ids, [...requests(0, 12).map((r) => r.requestId), 'impersonation.start:error']);
    const verifier = new ChainVerifier();
    for (const event of receiver.events) assert.equal(verifier.check(JSON.stringify(event)), undefined);
  });

  it('keeps retrying while the webhook answers 5xx and counts each failure', async (t) => {
    const dir = await tempDir(t);
    const receiver = await webhookReceiver(t);
    receiver.failNext(3, 503);
    const log = await createAuditLog(auditConfig({
      sinks: [{ type: 'webhook', url: receiver.url, flushInterval: 5 }], spoolDir: join(dir, 'spool'),
    }), captureLogger().logger);
    t.after(() => log.close());
    const name = webhookName(receiver.url);
    const before = await metricValue('actas_audit_failures_total', { sink: name });
    await recordAll(log, requests(0, 4));
    await waitFor('delivery after three refusals', () => receiver.events.length === 4);
    assert.equal(await metricValue('actas_audit_failures_total', { sink: name }), before + 3);
    assert.deepEqual(receiver.events.map((e) => e.requestId), ['req-0', 'req-1', 'req-2', 'req-3']);
  });

  it('drops loudly when the spool is full, reports it, and delivers what it kept', async (t) => {
    const dir = await tempDir(t);
    // A real endpoint that refuses every batch (503) until released. (A port
    // with nothing on it could be taken by a concurrent test's server.)
    const receiver = await webhookReceiver(t);
    receiver.failNext(Number.MAX_SAFE_INTEGER);
    const capture = captureLogger();
    const log = await createAuditLog(auditConfig({
      sinks: [{ type: 'webhook', url: receiver.url, flushInterval: 5 }], spoolDir: join(dir, 'spool'), spoolMaxBytes: 4096,
    }), capture.logger);
    t.after(() => log.close());
    const name = webhookName(receiver.url);
    const droppedBefore = await metricValue('actas_audit_dropped_total', { sink: name });
    const inputs = requests(0, 60).map((r) => ({ ...r, userAgent: 'x'.repeat(100) }));
    await recordAll(log, inputs);
    await waitFor('drops to be reported', async () => (await sink0(log)).spoolFull && (await sink0(log)).backlog + (await sink0(log)).dropped === 60);
    const health = await log.health();
    assert.equal(health.ok, false, 'readiness fails while events are dropped');
    const dropped = health.sinks[0]!.dropped;
    assert.ok(dropped > 0 && dropped < 60);
    assert.equal(await metricValue('actas_audit_dropped_total', { sink: name }), droppedBefore + dropped);
    assert.ok(capture.lines().some((l) => l.level === 50 && String(l.msg).includes('audit events dropped')), 'drops are logged as errors');

    receiver.failNext(0);
    await waitFor('the kept events to arrive', async () => (await sink0(log)).backlog === 0, 15_000);
    assert.equal(receiver.events.length + dropped, 60, 'every event is either delivered or counted as dropped');
    // The oldest are kept, the newest refused.
    assert.deepEqual(receiver.events.map((e) => e.requestId), inputs.slice(0, receiver.events.length).map((r) => r.requestId));
    assert.equal((await sink0(log)).spoolFull, false);
    assert.equal((await log.health()).ok, true);
  });

  it('keeps the spool across a restart and delivers it then', async (t) => {
    const dir = await tempDir(t);
    const receiver = await webhookReceiver(t);
    receiver.failNext(Number.MAX_SAFE_INTEGER);
    const config = auditConfig({ sinks: [{ type: 'webhook', url: receiver.url, flushInterval: 5 }], spoolDir: join(dir, 'spool') });
    const first = await createAuditLog(config, captureLogger().logger);
    await recordAll(first, requests(0, 5));
    await waitFor('the events to be spooled', async () => !(await sink0(first)).ok);
    await recordAll(first, requests(5, 7));
    await first.close();
    assert.equal(receiver.events.length, 0);

    receiver.failNext(0);
    const second = await createAuditLog(config, captureLogger().logger);
    t.after(() => second.close());
    await waitFor('the old backlog to arrive', () => receiver.events.length === 7);
    assert.deepEqual(receiver.events.map((e) => e.requestId), requests(0, 7).map((r) => r.requestId));
  });

  it('with no sink marked required, accepts a required event once any sink stored it', async (t) => {
    const dir = await tempDir(t);
    let text = '';
    const stdout = { write: (s: string, cb: (err?: Error | null) => void) => { text += s; cb(); return true; } } as unknown as NodeJS.WritableStream;
    const log = await createAuditLog(auditConfig({
      sinks: [{ type: 'stdout' }, { type: 'file', path: `/sys/actas-audit-test-${randomBytes(4).toString('hex')}.jsonl`, required: false }],
      spoolDir: join(dir, 'spool'),
    }), captureLogger().logger, { stdout });
    t.after(() => log.close());
    await log.record(start);
    assert.equal(JSON.parse(text).type, 'impersonation.start');
    const health = await log.health();
    assert.equal(health.ok, true, 'the working sink is enough');
    await waitFor('the file sink to hold it in its spool', async () => (await log.health()).sinks[1]!.backlog === 1);
  });

  it('refuses a second audit log on the same spool directory', async (t) => {
    const dir = await tempDir(t);
    const config = auditConfig({ sinks: [{ type: 'file', path: join(dir, 'a.jsonl') }], spoolDir: join(dir, 'spool') });
    const log = await createAuditLog(config, captureLogger().logger);
    t.after(() => log.close());
    await assert.rejects(createAuditLog(config, captureLogger().logger), { code: 'ERR_ACTAS_AUDIT_SPOOL_LOCKED' });
  });
});
