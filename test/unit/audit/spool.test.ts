// The spool on disk: survives reopening with its position, refuses (and
// reports) what exceeds its bound, compacts into a new generation without
// losing or repeating events, and recovers from a torn or unreadable entry.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Spool } from '../../../src/audit/spool.ts';
import { buildEvent } from '../../../src/audit/event.ts';
import type { AuditRecord } from '../../../src/audit/types.ts';
import { captureLogger, tempDir } from '../../integration/audit/support.ts';

const records = (from: number, to: number, pad = 0): AuditRecord[] => Array.from({ length: to - from }, (_, i) => buildEvent(
  { type: 'request', outcome: 'success', requestId: `r${from + i}`, ...(pad ? { userAgent: 'u'.repeat(pad) } : {}) },
  { maxFieldLength: 100_000, sessionSecret: 'x'.repeat(40) }));

function opener(dir: string, maxBytes = 1 << 30) {
  const drops: Array<[number, string]> = [];
  const open = () => Spool.open(dir, 'sink-a', maxBytes, captureLogger().logger, (n, reason) => drops.push([n, reason]));
  return { open, drops };
}

async function drainAll(spool: Spool, batch: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 100_000 && spool.pending > 0; i += 1) {
    const got = await spool.peek(batch);
    out.push(...got.map((r) => r.requestId!));
    await spool.commit(got.length);
  }
  return out;
}

describe('audit spool', () => {
  it('keeps its backlog and position across a reopen', async (t) => {
    const dir = await tempDir(t);
    const { open } = opener(dir);
    const a = await open();
    a.append(records(0, 5));
    assert.equal(a.pending, 5, 'counted at once, before the write completes');
    const first = await a.peek(3);
    assert.deepEqual(first.map((r) => r.requestId), ['r0', 'r1', 'r2']);
    await a.commit(2);
    await a.close();

    const b = await open();
    assert.equal(b.pending, 3);
    assert.deepEqual(await drainAll(b, 10), ['r2', 'r3', 'r4']);
    assert.equal(b.pending, 0);
    assert.equal(b.bytes, 0);
    await b.close();
    assert.equal((await open()).pending, 0, 'a drained spool stays drained');
  });

  it('refuses what exceeds its bound, keeps the oldest, and reports every refusal', async (t) => {
    const dir = await tempDir(t);
    const { open, drops } = opener(dir, 4096);
    const spool = await open();
    for (const r of records(0, 40, 150)) spool.append([r]);
    await spool.settled();
    const dropped = drops.reduce((n, [c]) => n + c, 0);
    assert.ok(dropped > 0);
    assert.ok(drops.every(([, reason]) => reason === 'spool full'));
    assert.equal(spool.pending + dropped, 40);
    assert.ok(spool.bytes <= 4096);
    const kept = await drainAll(spool, 7);
    assert.deepEqual(kept, records(0, kept.length).map((r) => r.requestId));
    await spool.close();
  });

  it('compacts into a new generation and loses or repeats nothing', async (t) => {
    const dir = await tempDir(t);
    const { open } = opener(dir);
    const spool = await open();
    spool.append(records(0, 3000, 600)); // about 2 MiB
    await spool.settled();
    const seen: string[] = [];
    // Past half the file and past 1 MiB read, the unread rest is compacted.
    for (let i = 0; i < 100 && seen.length < 2000; i += 1) {
      const got = await spool.peek(200);
      seen.push(...got.map((r) => r.requestId!));
      await spool.commit(got.length);
    }
    const files = (await readdir(dir)).filter((f) => f.endsWith('.spool'));
    assert.deepEqual(files.length, 1);
    assert.notEqual(files[0], 'sink-a.0.spool', 'the spool moved to a new generation');
    await spool.close();
    const reopened = await open();
    seen.push(...await drainAll(reopened, 500));
    assert.deepEqual(seen, records(0, 3000).map((r) => r.requestId));
    await reopened.close();
  });

  it('discards a torn last entry at start and skips an unreadable one, reporting both', async (t) => {
    const dir = await tempDir(t);
    const { open, drops } = opener(dir);
    const a = await open();
    a.append(records(0, 2));
    await a.close();
    const file = join(dir, 'sink-a.0.spool');
    await appendFile(file, '{"not json\n');
    await appendFile(file, `${JSON.stringify(records(2, 3)[0])}\n`);
    await appendFile(file, '{"v":1,"id":"torn'); // the crash happened here
    const b = await open();
    assert.deepEqual(drops, [[1, 'a torn spool entry was discarded at start']]);
    assert.equal(b.pending, 4);
    assert.deepEqual(await drainAll(b, 10), ['r0', 'r1', 'r2']);
    assert.deepEqual(drops.at(-1), [1, 'unreadable spool entry']);
    assert.equal(b.pending, 0);
    await b.close();
  });
});
