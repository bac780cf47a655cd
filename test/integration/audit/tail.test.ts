// `actas audit tail`: recent events as readable lines from a file (across
// rotations), a Redis stream or a config file, filtered and limited, and
// followed as they are written; nothing it prints carries a raw control.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAuditLog, type AuditEventInput, type AuditLog } from '../../../src/audit/index.ts';
import { runAuditCommand } from '../../../src/cli/audit.ts';
import { REDIS_URL, auditConfig, captureLogger, tempDir, waitFor, redisStream } from './support.ts';

const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
const ann = { sub: 's-ann', user: 'ann' };
const bob = { sub: 's-bob', user: 'bob' };

function capture(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  return { stream: { write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WritableStream, text: () => text };
}

async function fileLog(t: TestContext, maxBytes?: number): Promise<{ log: AuditLog; path: string; dir: string }> {
  const dir = await tempDir(t);
  const path = join(dir, 'audit', 'actas.jsonl');
  const log = await createAuditLog(auditConfig({ sinks: [{ type: 'file', path, ...(maxBytes ? { maxBytes } : {}) }], spoolDir: join(dir, 'spool') }), captureLogger().logger);
  t.after(() => log.close());
  return { log, path, dir };
}

async function recordStored(log: AuditLog, inputs: AuditEventInput[]): Promise<void> {
  for (const input of inputs) {
    await log.record(input);
    await waitFor('stored', async () => (await log.health()).backlog === 0, 5_000, 2);
  }
}

const seed: AuditEventInput[] = [
  { type: 'login.success', outcome: 'success', actor: ann },
  { type: 'impersonation.start', outcome: 'success', actor: ann, subject: bob, reason: 'ticket "42"', mode: 'read-only', impersonationId: 'i1' },
  { type: 'request', outcome: 'success', actor: ann, subject: bob, method: 'GET', path: '/wiki', status: 200, impersonationId: 'i1' },
  { type: 'request.blocked', outcome: 'denied', actor: ann, subject: bob, method: 'POST', path: '/wiki/edit', status: 403, reasons: ['read-only-mode'], impersonationId: 'i1' },
  { type: 'impersonation.stop', outcome: 'success', actor: ann, subject: bob, impersonationId: 'i1' },
];

describe('actas audit tail', () => {
  it('prints recent events oldest first, one readable line each, with filters and a limit', async (t) => {
    const { log, path } = await fileLog(t);
    await recordStored(log, seed);
    const out = capture();
    assert.equal(await runAuditCommand(['tail', '--file', path], { stdout: out.stream, stderr: out.stream }), 0);
    const lines = out.text().trim().split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z login\.success success ann$/);
    assert.match(lines[1]!, / impersonation\.start success ann → bob mode=read-only reason="ticket \\"42\\""$/);
    assert.match(lines[3]!, / request\.blocked denied ann → bob POST \/wiki\/edit 403 \[read-only-mode\]$/);

    const filtered = capture();
    assert.equal(await runAuditCommand(['tail', '--file', path, '--type', 'request', '--subject', 'bob'], { stdout: filtered.stream }), 0);
    assert.deepEqual(filtered.text().trim().split('\n').map((l) => l.split(' ').slice(1, 3).join(' ')), ['request success']);
    const limited = capture();
    assert.equal(await runAuditCommand(['tail', '--file', path, '--actor', 'ann', '--limit', '2'], { stdout: limited.stream }), 0);
    assert.deepEqual(limited.text().trim().split('\n').map((l) => l.split(' ')[1]), ['request.blocked', 'impersonation.stop']);
    const bad = capture();
    assert.equal(await runAuditCommand(['tail', '--file', path, '--type', 'nope'], { stdout: bad.stream, stderr: bad.stream }), 2);
  });

  it('shows a hostile name, and a line forged with raw controls, without any raw control', async (t) => {
    const { log, path } = await fileLog(t);
    const evil = 'x\ny\rz\u2028\u2029\x1b[2J';
    await recordStored(log, [{ type: 'login.failure', outcome: 'failure', actor: { sub: evil, user: evil }, reason: evil }]);
    // Written around actas: raw ESC and BEL inside JSON strings are invalid
    // JSON, but U+009B (CSI) and U+2028 are legal there.
    await appendFile(path, `${JSON.stringify({ v: 1, id: 'f', time: new Date().toISOString(), type: 'logout', outcome: 'success', actor: { sub: 'a', user: 'mal\u009b2J\u2028' }, prev: '0'.repeat(64), hash: '1'.repeat(64) })}\n`);
    await appendFile(path, 'garbage \x1b[2J\n');
    const out = capture();
    const err = capture();
    assert.equal(await runAuditCommand(['tail', '--file', path], { stdout: out.stream, stderr: err.stream }), 0);
    const lines = out.text().trim().split('\n');
    assert.equal(lines.length, 2, 'one line per event');
    assert.doesNotMatch(out.text().replace(/\n/g, ''), RAW_CONTROL);
    assert.match(lines[0]!, /x\\u000ay\\u000dz\\u2028\\u2029\\u001b\[2J/);
    assert.match(lines[1]!, /mal\\u009b2J\\u2028/);
    assert.match(err.text(), /skipped 1 line/);
  });

  it('follows new events across a rotation until stopped', async (t) => {
    const { log, path } = await fileLog(t, 900);
    await recordStored(log, seed.slice(0, 2));
    const out = capture();
    const stop = new AbortController();
    const running = runAuditCommand(['tail', '--file', path, '--follow', '--type', 'request'], { stdout: out.stream, signal: stop.signal, pollInterval: 10 });
    t.after(() => stop.abort());
    const more = Array.from({ length: 8 }, (_, i): AuditEventInput => ({ type: 'request', outcome: 'success', actor: ann, method: 'GET', path: `/f/${i}`, status: 200 }));
    await recordStored(log, more);
    await waitFor('all followed events', () => out.text().trim().split('\n').filter(Boolean).length === 8);
    stop.abort();
    assert.equal(await running, 0);
    assert.deepEqual(out.text().trim().split('\n').map((l) => l.split(' ')[5]), more.map((m) => m.path));
  });

  it('reads the file sink named in a config file', async (t) => {
    const { log, path, dir } = await fileLog(t);
    await recordStored(log, seed.slice(0, 1));
    const config = join(dir, 'actas.yaml');
    await writeFile(config, [
      'publicUrl: http://127.0.0.1:8080',
      'oidc: { issuer: "http://127.0.0.1:9000", clientId: actas }',
      'session: { secret: "${TEST_SESSION_SECRET}" }',
      'upstreams: [{ name: app, url: "http://127.0.0.1:1" }]',
      `audit: { sinks: [{ type: stdout }, { type: file, path: ${JSON.stringify(path)} }] }`,
    ].join('\n'));
    const out = capture();
    assert.equal(await runAuditCommand(['audit', 'tail', '--config', config], { stdout: out.stream, env: { TEST_SESSION_SECRET: 'z'.repeat(40) } }), 0);
    assert.match(out.text(), /login\.success success ann/);
    const err = capture();
    assert.equal(await runAuditCommand(['tail', '--config', config], { stdout: err.stream, stderr: err.stream, env: {} }), 2, 'a config that does not load is reported');
    assert.match(err.text(), /TEST_SESSION_SECRET/);
  });

  it('reads and follows a Redis stream', async (t) => {
    const dir = await tempDir(t);
    const { stream } = await redisStream(t, 'audit-tail');
    const log = await createAuditLog(auditConfig({ sinks: [{ type: 'redis-stream', url: REDIS_URL, stream }], spoolDir: join(dir, 'spool') }), captureLogger().logger);
    t.after(() => log.close());
    await recordStored(log, seed.slice(0, 3));
    const out = capture();
    const stop = new AbortController();
    t.after(() => stop.abort());
    const running = runAuditCommand(['tail', '--redis', REDIS_URL, '--stream', stream, '--limit', '2', '--follow'], { stdout: out.stream, signal: stop.signal });
    await waitFor('the last two events', () => out.text().trim().split('\n').length === 2);
    await recordStored(log, seed.slice(3));
    await waitFor('followed events', () => out.text().trim().split('\n').length === 4);
    stop.abort();
    assert.equal(await running, 0);
    assert.deepEqual(out.text().trim().split('\n').map((l) => l.split(' ')[1]), ['impersonation.start', 'request', 'request.blocked', 'impersonation.stop']);
  });
});
