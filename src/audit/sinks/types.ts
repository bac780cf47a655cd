// What every audit sink provides. A sink owns its hash chain: it places the
// records after its own head and stores the whole batch, or none of it and
// throws. Queueing, retries and the spool are the channel's job, not the sink's.
import type { AuditEvent, AuditRecord } from '../types.ts';

/** Time bounds for reading back, in epoch ms (inclusive). */
export interface ReadRange {
  since?: number;
  until?: number;
}

export interface Sink {
  readonly type: 'file' | 'stdout' | 'redis-stream' | 'webhook';
  /** A label without secrets for metrics, health and logs. */
  readonly name: string;
  /** Stable identity (names the sink's spool file across restarts). */
  readonly key: string;
  readonly required: boolean;
  /** How many records one write may carry. */
  readonly batchSize: number;
  /** How long records may wait to fill a batch (0: write at once). */
  readonly flushInterval: number;
  /** Prepares the sink (reads its chain head); may fail, the channel retries. */
  open(): Promise<void>;
  /** Chains and durably stores all records, in order, or throws having stored none. */
  write(records: readonly AuditRecord[]): Promise<void>;
  /** Cheap check that a write could succeed now, used while nothing waits. */
  probe(): Promise<void>;
  close(): Promise<void>;
  /** Stored events, newest first (sinks that can be read back). */
  readNewestFirst?(range: ReadRange): AsyncIterable<AuditEvent>;
}
