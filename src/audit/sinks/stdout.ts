// The stdout sink: one JSON line per event on a stream (process.stdout by
// default), for container log collectors. Its chain starts at the genesis
// value in every process, so verify one process run's capture at a time.
import type { AuditRecord } from '../types.ts';
import type { Sink } from './types.ts';
import { chainRecords } from '../chain.ts';
import { GENESIS, serializeEvent } from '../canonical.ts';

export class StdoutSink implements Sink {
  readonly type = 'stdout' as const;
  readonly name = 'stdout';
  readonly key = 'stdout';
  readonly required: boolean;
  readonly batchSize = 256;
  readonly flushInterval = 0;
  readonly #out: NodeJS.WritableStream;
  #prev = GENESIS;

  constructor(required: boolean, out: NodeJS.WritableStream = process.stdout) {
    this.required = required;
    this.#out = out;
  }

  async open(): Promise<void> {}

  async write(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const events = chainRecords(this.#prev, records);
    const data = events.map((e) => `${serializeEvent(e)}\n`).join('');
    await new Promise<void>((resolve, reject) => {
      this.#out.write(data, (err) => (err ? reject(err) : resolve()));
    });
    this.#prev = events.at(-1)!.hash;
  }

  async probe(): Promise<void> {}

  async close(): Promise<void> {}
}
