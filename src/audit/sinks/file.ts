// The file sink: JSONL appended and fsync'ed before a batch counts as
// written, rotated by size with the chain running on into the next file.
// The file is opened per batch, so a moved or recreated file is picked up.
// A failed batch is cut back off, leaving the file on its last whole event.
import { mkdir, open, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createHash } from 'node:crypto';
import type { Logger } from '../../ops/logger.ts';
import type { AuditEvent, AuditRecord } from '../types.ts';
import type { ReadRange, Sink } from './types.ts';
import { chainRecords } from '../chain.ts';
import { GENESIS, serializeEvent } from '../canonical.ts';
import { parseEventLine } from '../validate.ts';
import { chainLinesFromEnd, rotatedName } from '../files.ts';

const HEAD_SCAN_LIMIT = 10_000;
// Events are written roughly in time order; allow for clock steps and
// late deliveries before a newest-first scan stops at `since`.
const SCAN_SLACK_MS = 10 * 60_000;

export interface FileSinkOptions {
  path: string;
  maxBytes: number;
  required: boolean;
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class FileSink implements Sink {
  readonly type = 'file' as const;
  readonly name: string;
  readonly key: string;
  readonly required: boolean;
  readonly batchSize = 256;
  readonly flushInterval = 0;
  readonly path: string;
  readonly #maxBytes: number;
  readonly #logger: Logger;
  /** The chain head; undefined after a failure, until re-read from disk. */
  #prev: string | undefined;

  constructor(options: FileSinkOptions, logger: Logger) {
    this.path = options.path;
    this.#maxBytes = options.maxBytes;
    this.required = options.required;
    this.name = `file:${options.path}`;
    this.key = `file-${createHash('sha256').update(options.path).digest('hex').slice(0, 16)}`;
    this.#logger = logger;
  }

  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o750 });
    await this.#resync();
  }

  /** Re-reads the chain head from the newest intact event on disk. */
  async #resync(): Promise<void> {
    await this.#terminateTornLine();
    let scanned = 0;
    for await (const line of chainLinesFromEnd(this.path)) {
      const event = parseEventLine(line);
      if (event) {
        this.#prev = event.hash;
        return;
      }
      scanned += 1;
      if (scanned === 1) this.#logger.error({ sink: this.name }, 'audit file ends with a line that is not an intact event; the chain continues from the last intact one');
      if (scanned >= HEAD_SCAN_LIMIT) break;
    }
    this.#prev = GENESIS;
  }

  // A crash or full disk mid-write can leave a line without its newline.
  // Finishing it keeps the next event on a line of its own; verify still
  // names the torn line, so nothing is hidden.
  async #terminateTornLine(): Promise<void> {
    let fh;
    try {
      fh = await open(this.path, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const { size } = await fh.stat();
      if (size === 0) return;
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] === 0x0a) return;
      await fh.write('\n', size);
      await fh.datasync();
      this.#logger.error({ sink: this.name }, 'audit file ended in an incomplete line; it was terminated');
    } finally {
      await fh.close();
    }
  }

  async write(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.#prev === undefined) await this.#resync();
    let fh = await open(this.path, 'a', 0o600);
    let start = 0;
    try {
      start = (await fh.stat()).size;
      const events = chainRecords(this.#prev!, records);
      const data = Buffer.from(events.map((e) => `${serializeEvent(e)}\n`).join(''), 'utf8');
      if (start > 0 && start + data.length > this.#maxBytes) {
        await fh.close();
        await this.#rotate();
        fh = await open(this.path, 'a', 0o600);
        start = (await fh.stat()).size;
      }
      try {
        await fh.writeFile(data);
        await fh.datasync();
        if (start === 0) await syncDir(dirname(this.path));
      } catch (err) {
        // Leave no partial batch behind: the file must end on a whole event.
        await fh.truncate(start).catch(() => undefined);
        throw err;
      }
      this.#prev = events.at(-1)!.hash;
    } catch (err) {
      this.#prev = undefined;
      throw err;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  async #rotate(): Promise<void> {
    let date = new Date();
    let target = rotatedName(this.path, date);
    // Two rotations within one millisecond: take the next free millisecond.
    for (let i = 0; i < 1000 && (await stat(target).then(() => true, () => false)); i += 1) {
      date = new Date(date.getTime() + 1);
      target = rotatedName(this.path, date);
    }
    await rename(this.path, target);
    await syncDir(dirname(this.path));
    this.#logger.info({ sink: this.name, rotated: target }, 'audit file rotated');
  }

  async probe(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o750 });
    const fh = await open(this.path, 'a', 0o600);
    await fh.close();
  }

  async close(): Promise<void> {
    // Nothing stays open between batches.
  }

  async *readNewestFirst(range: ReadRange): AsyncGenerator<AuditEvent> {
    for await (const line of chainLinesFromEnd(this.path)) {
      const event = parseEventLine(line);
      if (!event) continue;
      const time = Date.parse(event.time);
      if (range.until !== undefined && time > range.until) continue;
      if (range.since !== undefined && time < range.since) {
        if (time < range.since - SCAN_SLACK_MS) return;
        continue;
      }
      yield event;
    }
  }
}
