// One sink's backlog on disk: events it could not take yet, appended and
// fsync'ed in order, consumed from the front. Bounded by `maxBytes` of
// undelivered events; what does not fit is refused and reported (onDrop),
// never silently lost. Files: <key>.<gen>.spool (JSONL) and <key>.pos
// ({"gen","offset"}, replaced atomically). Compaction copies the unread tail
// into the next generation before the position moves, so a crash at any
// point loses nothing (at worst a batch is delivered twice).
import { open, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../ops/logger.ts';
import type { AuditRecord } from './types.ts';

const READ_CHUNK = 1024 * 1024;
const COMPACT_MIN = 1024 * 1024;

export type DropHandler = (count: number, reason: string) => void;

interface Position {
  gen: number;
  offset: number;
}

export class Spool {
  readonly #dir: string;
  readonly #key: string;
  readonly #maxBytes: number;
  readonly #logger: Logger;
  readonly #onDrop: DropHandler;
  #gen = 0;
  #offset = 0;
  #size = 0;
  #pending = 0;
  #fh: FileHandle | undefined;
  #ops: Promise<unknown> = Promise.resolve();
  /** Byte length of each record handed out by the last peek, in order. */
  #peeked: number[] = [];

  private constructor(dir: string, key: string, maxBytes: number, logger: Logger, onDrop: DropHandler) {
    this.#dir = dir;
    this.#key = key;
    this.#maxBytes = maxBytes;
    this.#logger = logger;
    this.#onDrop = onDrop;
  }

  /** Opens (or creates) the spool of `key` in `dir` and counts its backlog. */
  static async open(dir: string, key: string, maxBytes: number, logger: Logger, onDrop: DropHandler): Promise<Spool> {
    const spool = new Spool(dir, key, maxBytes, logger, onDrop);
    await spool.#load();
    return spool;
  }

  /** Events waiting here (including appends still being written). */
  get pending(): number {
    return this.#pending;
  }

  /** Undelivered bytes on disk. */
  get bytes(): number {
    return this.#size - this.#offset;
  }

  #file(gen: number): string {
    return join(this.#dir, `${this.#key}.${gen}.spool`);
  }

  async #load(): Promise<void> {
    const pos = await this.#readPosition();
    this.#gen = pos.gen;
    // Other generations are leftovers of an interrupted compaction or reset.
    const prefix = `${this.#key}.`;
    for (const name of await readdir(this.#dir)) {
      const m = name.startsWith(prefix) && /^(\d+)\.spool$/.exec(name.slice(prefix.length));
      if (m && Number(m[1]) !== this.#gen) await unlink(join(this.#dir, name)).catch(() => undefined);
    }
    let fh: FileHandle;
    try {
      fh = await open(this.#file(this.#gen), 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      this.#size = (await fh.stat()).size;
      this.#offset = Math.min(pos.offset, this.#size);
      const { lines, end } = await countLines(fh, this.#offset, this.#size);
      if (end < this.#size) {
        // An append cut short by a crash: that event was never acknowledged.
        await fh.truncate(end);
        this.#size = end;
        this.#onDrop(1, 'a torn spool entry was discarded at start');
      }
      this.#pending = lines;
    } finally {
      await fh.close();
    }
  }

  async #readPosition(): Promise<Position> {
    let text: string;
    try {
      const fh = await open(join(this.#dir, `${this.#key}.pos`), 'r');
      try {
        text = await fh.readFile('utf8');
      } finally {
        await fh.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { gen: 0, offset: 0 };
      throw err;
    }
    try {
      const pos = JSON.parse(text) as Position;
      if (Number.isSafeInteger(pos.gen) && Number.isSafeInteger(pos.offset) && pos.gen >= 0 && pos.offset >= 0) return pos;
    } catch {
      // fall through: an unreadable position replays the spool from the start
    }
    this.#logger.error({ spool: this.#key }, 'audit spool position unreadable; replaying the spool from its start');
    return { gen: 0, offset: 0 };
  }

  async #writePosition(): Promise<void> {
    const path = join(this.#dir, `${this.#key}.pos`);
    const tmp = `${path}.tmp`;
    await writeFile(tmp, JSON.stringify({ gen: this.#gen, offset: this.#offset }), { mode: 0o600, flush: true });
    await rename(tmp, path);
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#ops.then(op);
    this.#ops = run.catch(() => undefined);
    return run;
  }

  /** Queues records at the back, in call order. Never throws: failures go to onDrop. */
  append(records: readonly AuditRecord[]): void {
    if (records.length === 0) return;
    this.#pending += records.length;
    void this.#enqueue(() => this.#append(records));
  }

  async #append(records: readonly AuditRecord[]): Promise<void> {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for (const record of records) {
      const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
      if (this.bytes + bytes + line.length > this.#maxBytes) break;
      chunks.push(line);
      bytes += line.length;
    }
    const refused = records.length - chunks.length;
    if (refused > 0) {
      this.#pending -= refused;
      this.#onDrop(refused, 'spool full');
    }
    if (chunks.length === 0) return;
    try {
      this.#fh ??= await open(this.#file(this.#gen), 'a+', 0o600);
      await this.#fh.writeFile(Buffer.concat(chunks));
      await this.#fh.datasync();
      this.#size += bytes;
    } catch (err) {
      this.#pending -= chunks.length;
      await this.#fh?.truncate(this.#size).catch(() => undefined);
      this.#onDrop(chunks.length, `spool write failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }

  /** Up to `max` records from the front, without consuming them. */
  peek(max: number): Promise<AuditRecord[]> {
    return this.#enqueue(() => this.#peek(max));
  }

  async #peek(max: number): Promise<AuditRecord[]> {
    this.#peeked = [];
    const records: AuditRecord[] = [];
    if (this.#offset >= this.#size) return records;
    this.#fh ??= await open(this.#file(this.#gen), 'a+', 0o600);
    let skipped = 0;
    while (records.length === 0 && this.#offset < this.#size) {
      let want = Math.min(READ_CHUNK, this.#size - this.#offset);
      let buf: Buffer;
      for (;;) {
        buf = Buffer.alloc(want);
        const { bytesRead } = await this.#fh.read(buf, 0, want, this.#offset);
        buf = buf.subarray(0, bytesRead);
        // One record longer than the chunk: read more until its newline.
        if (buf.includes(0x0a) || this.#offset + want >= this.#size) break;
        want = Math.min(want * 2, this.#size - this.#offset);
      }
      let start = 0;
      let leading = 0;
      for (let nl = buf.indexOf(0x0a); nl >= 0 && records.length < max; nl = buf.indexOf(0x0a, start)) {
        let record: AuditRecord | undefined;
        try {
          record = JSON.parse(buf.toString('utf8', start, nl)) as AuditRecord;
        } catch {
          record = undefined;
        }
        if (record) {
          records.push(record);
          this.#peeked.push(nl + 1 - start);
        } else if (records.length === 0) {
          // Consumed at once, so a failed delivery cannot count it twice.
          skipped += 1;
          leading += nl + 1 - start;
        } else {
          break; // left for the next peek
        }
        start = nl + 1;
      }
      if (start === 0) break; // no whole line (cannot happen after #load)
      this.#offset += leading;
    }
    if (skipped > 0) {
      this.#logger.error({ spool: this.#key, skipped }, 'audit spool held unreadable entries; they were skipped');
      this.#pending -= skipped;
      this.#onDrop(skipped, 'unreadable spool entry');
      await this.#writePosition();
    }
    return records;
  }

  /** Consumes the first `count` records of the last peek (they were delivered). */
  commit(count: number): Promise<void> {
    return this.#enqueue(() => this.#commit(count));
  }

  async #commit(count: number): Promise<void> {
    const done = this.#peeked.splice(0, count);
    this.#offset += done.reduce((a, b) => a + b, 0);
    try {
      if (this.#offset >= this.#size && this.#pending === done.length) {
        await this.#nextGeneration(Buffer.alloc(0));
      } else if (this.#offset >= COMPACT_MIN && this.#offset >= this.#size / 2) {
        const rest = Buffer.alloc(this.#size - this.#offset);
        await this.#fh!.read(rest, 0, rest.length, this.#offset);
        await this.#nextGeneration(rest);
      } else {
        await this.#writePosition();
      }
    } finally {
      // Counted down only now, so an empty backlog means the spool is settled.
      this.#pending -= done.length;
    }
  }

  // The unread tail is written and synced in the new generation before the
  // position names it; only then does the old file go.
  async #nextGeneration(rest: Buffer): Promise<void> {
    const old = this.#file(this.#gen);
    const gen = this.#gen + 1;
    let fh: FileHandle | undefined;
    if (rest.length > 0) {
      fh = await open(this.#file(gen), 'a+', 0o600);
      await fh.writeFile(rest);
      await fh.datasync();
    }
    this.#gen = gen;
    this.#offset = 0;
    this.#size = rest.length;
    this.#peeked = [];
    await this.#writePosition();
    await this.#fh?.close().catch(() => undefined);
    this.#fh = fh;
    await unlink(old).catch(() => undefined);
  }

  /** Waits until every queued append has been written (or refused). */
  settled(): Promise<void> {
    return this.#enqueue(async () => undefined);
  }

  async close(): Promise<void> {
    await this.settled();
    await this.#fh?.close().catch(() => undefined);
    this.#fh = undefined;
  }
}

/** Counts whole lines in [from, to); `end` is the offset after the last newline. */
async function countLines(fh: FileHandle, from: number, to: number): Promise<{ lines: number; end: number }> {
  let lines = 0;
  let end = from;
  const buf = Buffer.alloc(READ_CHUNK);
  for (let pos = from; pos < to;) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, to - pos), pos);
    if (bytesRead === 0) break;
    for (let i = buf.indexOf(0x0a); i >= 0 && i < bytesRead; i = buf.indexOf(0x0a, i + 1)) {
      lines += 1;
      end = pos + i + 1;
    }
    pos += bytesRead;
  }
  return { lines, end };
}
