// Several replicas append to one Redis stream at the same time: the stream
// must still be one valid chain holding every event exactly once.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createAuditLog } from '../../../src/audit/index.ts';
import { runAuditCommand } from '../../../src/cli/audit.ts';
import { REDIS_URL, auditConfig, captureLogger, tempDir, redisStream } from './support.ts';

it('keeps one valid chain when three replicas write one stream concurrently', async (t) => {
  const dir = await tempDir(t);
  const { client, stream } = await redisStream(t, 'audit-replicas');
  const replicas = await Promise.all([0, 1, 2].map((n) => createAuditLog(
    auditConfig({ sinks: [{ type: 'redis-stream', url: REDIS_URL, stream }], spoolDir: join(dir, `spool-${n}`) }),
    captureLogger().logger)));
  t.after(() => Promise.all(replicas.map((r) => r.close())));

  const perReplica = 120;
  await Promise.all(replicas.map(async (log, n) => {
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < perReplica; i += 1) {
      // Every tenth one is required, so single appends race batched ones.
      const type = i % 10 === 0 ? 'impersonation.start' : 'request';
      pending.push(log.record({ type, outcome: 'success', requestId: `r${n}-${i}`, actor: { sub: `s${n}`, user: `u${n}` } }));
    }
    await Promise.all(pending);
  }));
  await Promise.all(replicas.map((r) => r.close()));

  const entries = (await client.xRange(stream, '-', '+')) ?? [];
  const ids = entries.map((e) => JSON.parse(String(e.message.event)).requestId as string);
  assert.equal(ids.length, 3 * perReplica, 'every event stored');
  assert.equal(new Set(ids).size, ids.length, 'no event stored twice');
  for (let n = 0; n < 3; n += 1) {
    const mine = ids.filter((id) => id.startsWith(`r${n}-`));
    const buffered = mine.filter((id) => Number(id.split('-')[1]) % 10 !== 0);
    assert.deepEqual(buffered, [...buffered].sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1])), `replica ${n}'s buffered events stay in order`);
  }
  let out = '';
  const sink = { write: (s: string) => { out += s; return true; } } as unknown as NodeJS.WritableStream;
  assert.equal(await runAuditCommand(['verify', '--redis', REDIS_URL, '--stream', stream], { stdout: sink, stderr: sink }), 0, out);
  assert.match(out, /OK: 360 event/);
});
