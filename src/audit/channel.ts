// Delivers one sink's events, one write at a time, in order. While the sink
// takes them they go straight from memory; when a write fails they move to
// the sink's spool, and the spool is drained (with exponential back-off)
// before anything newer. Required events are never spooled: the sink stores
// them now (ahead of any backlog) or the caller is told it did not.
import type { Logger } from '../ops/logger.ts';
import type { AuditRecord, AuditSinkHealth } from './types.ts';
import type { Sink } from './sinks/types.ts';
import { Spool } from './spool.ts';
import { auditMetrics } from './metrics.ts';
import { AuditUnavailableError } from './errors.ts';

interface Waiter {
  settled: boolean;
  resolve(): void;
  reject(err: Error): void;
}

interface Item {
  record: AuditRecord;
  waiter?: Waiter;
}

type WaitKind = 'idle' | 'batch' | 'backoff';

export interface ChannelOptions {
  spoolDir: string;
  spoolMaxBytes: number;
  retryDelay: number;
  maxRetryDelay: number;
  /** Events held in memory before they spill to the spool. */
  memoryLimit?: number;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
}

export class Channel {
  readonly sink: Sink;
  readonly #logger: Logger;
  readonly #options: ChannelOptions;
  readonly #memoryLimit: number;
  #spool!: Spool;
  #mem: Item[] = [];
  /** Taken from memory and being written: still part of the backlog. */
  #inflight = 0;
  #ok = true;
  #error: string | undefined;
  #delay: number;
  #dropped = 0;
  #overflow = false;
  #unloggedDrops = 0;
  #dropReason = '';
  #dropTimer: NodeJS.Timeout | undefined;
  #closing = false;
  #stopped = false;
  #wait: { kind: WaitKind; wake: () => void } | undefined;
  #loop: Promise<void> | undefined;

  private constructor(sink: Sink, logger: Logger, options: ChannelOptions) {
    this.sink = sink;
    this.#logger = logger.child({ sink: sink.name });
    this.#options = options;
    this.#memoryLimit = options.memoryLimit ?? 10_000;
    this.#delay = options.retryDelay;
  }

  /** Opens the sink's spool (resuming its backlog) and starts delivering. */
  static async start(sink: Sink, logger: Logger, options: ChannelOptions): Promise<Channel> {
    const channel = new Channel(sink, logger, options);
    channel.#spool = await Spool.open(options.spoolDir, sink.key, options.spoolMaxBytes, channel.#logger,
      (count, reason) => channel.#noteDrop(count, reason));
    if (channel.#spool.pending > 0) {
      channel.#logger.warn({ backlog: channel.#spool.pending }, 'audit spool holds events from an earlier run; delivering them first');
    }
    channel.#report();
    channel.#loop = channel.#run().catch((err) => {
      channel.#logger.fatal({ err: describe(err) }, 'audit delivery stopped unexpectedly');
    });
    return channel;
  }

  get required(): boolean {
    return this.sink.required;
  }

  /** Queues a buffered event. Never throws and never waits. */
  enqueue(record: AuditRecord): void {
    if (this.#stopped) {
      this.#noteDrop(1, 'audit log closed');
      return;
    }
    if (this.#spool.pending > 0) {
      this.#spool.append([record]);
    } else {
      this.#mem.push({ record });
      if (this.#mem.length > this.#memoryLimit) this.#spill();
    }
    this.#report();
    this.#signal(false);
  }

  /** Stores a required event now; rejects if the sink refuses or takes longer than `timeout`. */
  deliver(record: AuditRecord, timeout: number): Promise<void> {
    if (this.#stopped || this.#closing) {
      return Promise.reject(new AuditUnavailableError(`audit sink ${this.sink.name} is closed`));
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiter.reject(new AuditUnavailableError(`audit sink ${this.sink.name} did not store the event within ${timeout} ms`));
      }, timeout);
      const waiter: Waiter = {
        settled: false,
        resolve: () => {
          if (waiter.settled) return;
          waiter.settled = true;
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          if (waiter.settled) return;
          waiter.settled = true;
          clearTimeout(timer);
          reject(err);
        },
      };
      this.#mem.push({ record, waiter });
      this.#report();
      this.#signal(true);
    });
  }

  health(): AuditSinkHealth {
    const out: AuditSinkHealth = {
      name: this.sink.name,
      type: this.sink.type,
      required: this.sink.required,
      ok: this.#ok && !this.#overflow,
      backlog: this.#backlog(),
      dropped: this.#dropped,
      spoolFull: this.#overflow,
    };
    const error = this.#overflow ? `spool full: events are being dropped${this.#error ? `; ${this.#error}` : ''}` : this.#error;
    if (error) out.error = error;
    return out;
  }

  /** Stops taking events, makes one last attempt for those in memory, spools the rest. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#signal(true);
    await this.#loop;
    if (this.#dropTimer) {
      clearTimeout(this.#dropTimer);
      this.#dropTimer = undefined;
      if (this.#unloggedDrops) this.#logDrops();
    }
    await this.sink.close().catch((err) => this.#logger.warn({ err: describe(err) }, 'audit sink did not close cleanly'));
  }

  #backlog(): number {
    return this.#mem.length + this.#inflight + this.#spool.pending;
  }

  #report(): void {
    auditMetrics.backlog.set({ sink: this.sink.name }, this.#backlog());
    auditMetrics.spoolBytes.set({ sink: this.sink.name }, this.#spool.bytes);
  }

  #signal(urgent: boolean): void {
    const wait = this.#wait;
    if (!wait) return;
    if (wait.kind === 'idle' || urgent || this.#closing || (wait.kind === 'batch' && this.#mem.length >= this.sink.batchSize)) wait.wake();
  }

  #sleep(kind: WaitKind, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        if (this.#wait?.wake === wake) this.#wait = undefined;
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(wake, ms).unref();
      this.#wait = { kind, wake };
    });
  }

  async #run(): Promise<void> {
    try {
      await this.sink.open();
    } catch (err) {
      this.#failed(err);
    }
    while (!this.#stopped) {
      if (this.#closing) {
        await this.#finish();
        break;
      }
      const waiting = this.#mem.some((i) => i.waiter);
      if (waiting || (this.#mem.length > 0 && this.#spool.pending === 0)) await this.#flushMemory();
      else if (this.#spool.pending > 0) await this.#drainSpool();
      else if (!this.#ok) await this.#probe();
      else await this.#sleep('idle', Infinity);
    }
  }

  /**
   * Takes the next batch from memory, in order, skipping required events
   * already given up on. While the spool holds a backlog, memory holds only
   * required events: that is how they get ahead of the backlog.
   */
  #take(): Item[] {
    const batch: Item[] = [];
    let used = 0;
    for (const item of this.#mem) {
      if (batch.length >= this.sink.batchSize) break;
      used += 1;
      if (!item.waiter?.settled) batch.push(item);
    }
    this.#mem = this.#mem.slice(used);
    return batch;
  }

  async #flushMemory(): Promise<void> {
    const urgent = this.#mem.some((i) => i.waiter);
    if (!urgent && this.sink.flushInterval > 0 && this.#mem.length < this.sink.batchSize) {
      await this.#sleep('batch', this.sink.flushInterval);
      if (this.#closing) return;
    }
    const batch = this.#take();
    if (batch.length === 0) {
      this.#report();
      return;
    }
    this.#inflight = batch.length;
    try {
      await this.sink.write(batch.map((i) => i.record));
    } catch (err) {
      this.#inflight = 0;
      this.#failed(err);
      // Everything not yet stored goes to the spool, oldest first; required
      // events are refused rather than spooled.
      const rest = [...batch, ...this.#mem.splice(0)];
      this.#refuse(rest, err);
      this.#spool.append(rest.filter((i) => !i.waiter).map((i) => i.record));
      this.#mem = [];
      this.#report();
      await this.#backoff();
      return;
    }
    this.#inflight = 0;
    for (const item of batch) item.waiter?.resolve();
    this.#succeeded();
    this.#report();
  }

  async #drainSpool(): Promise<void> {
    const records = await this.#spool.peek(this.sink.batchSize);
    if (records.length === 0) {
      this.#report();
      return;
    }
    try {
      await this.sink.write(records);
    } catch (err) {
      this.#failed(err);
      this.#refuse(this.#mem, err);
      this.#mem = this.#mem.filter((i) => !i.waiter);
      this.#report();
      await this.#backoff();
      return;
    }
    this.#succeeded();
    await this.#spool.commit(records.length).catch((err) => {
      // The events are stored; a lost position only means they may be sent twice.
      this.#logger.error({ err: describe(err) }, 'audit spool position could not be saved');
    });
    if (this.#spool.pending === 0) {
      this.#overflow = false;
      this.#logger.info('audit backlog delivered');
    }
    this.#report();
  }

  async #probe(): Promise<void> {
    try {
      await this.sink.probe();
      this.#succeeded();
    } catch (err) {
      this.#failed(err);
      await this.#backoff();
    }
  }

  async #finish(): Promise<void> {
    if (this.#ok && this.#spool.pending === 0) {
      while (this.#mem.length > 0) {
        const batch = this.#take();
        if (batch.length === 0) break;
        this.#inflight = batch.length;
        try {
          await this.sink.write(batch.map((i) => i.record));
          for (const item of batch) item.waiter?.resolve();
        } catch (err) {
          this.#failed(err);
          this.#mem.unshift(...batch);
          break;
        } finally {
          this.#inflight = 0;
        }
      }
    }
    const closed = new AuditUnavailableError(`audit sink ${this.sink.name} is closed`);
    this.#refuse(this.#mem, closed);
    this.#spool.append(this.#mem.filter((i) => !i.waiter).map((i) => i.record));
    this.#mem = [];
    this.#stopped = true;
    await this.#spool.close();
    this.#report();
  }

  #refuse(items: readonly Item[], err: unknown): void {
    for (const item of items) {
      item.waiter?.reject(err instanceof AuditUnavailableError ? err
        : new AuditUnavailableError(`audit sink ${this.sink.name} refused the event: ${describe(err)}`, err));
    }
  }

  // Too much in memory (a slow sink): move the buffered events to disk.
  #spill(): void {
    const spill = this.#mem.filter((i) => !i.waiter);
    this.#mem = this.#mem.filter((i) => i.waiter);
    this.#spool.append(spill.map((i) => i.record));
  }

  async #backoff(): Promise<void> {
    // ±20% jitter keeps replicas from retrying in lockstep.
    const delay = Math.round(this.#delay * (0.8 + Math.random() * 0.4));
    this.#delay = Math.min(this.#delay * 2, this.#options.maxRetryDelay);
    await this.#sleep('backoff', delay);
  }

  #failed(err: unknown): void {
    auditMetrics.failures.inc({ sink: this.sink.name });
    const message = describe(err);
    if (this.#ok) this.#logger.error({ err: message }, 'audit sink failed; its events wait in the spool');
    else this.#logger.debug({ err: message }, 'audit sink still failing');
    this.#ok = false;
    this.#error = message;
  }

  #succeeded(): void {
    if (!this.#ok) this.#logger.info({ backlog: this.#backlog() }, 'audit sink recovered');
    this.#ok = true;
    this.#error = undefined;
    this.#delay = this.#options.retryDelay;
  }

  // Loud but bounded: the first drop is logged at once, later ones once a second.
  #noteDrop(count: number, reason: string): void {
    this.#dropped += count;
    if (reason === 'spool full') this.#overflow = true;
    auditMetrics.dropped.inc({ sink: this.sink.name }, count);
    this.#unloggedDrops += count;
    this.#dropReason = reason;
    if (this.#dropTimer) return;
    this.#logDrops();
    this.#dropTimer = setTimeout(() => {
      this.#dropTimer = undefined;
      if (this.#unloggedDrops) this.#logDrops();
    }, 1_000).unref();
  }

  #logDrops(): void {
    this.#logger.error({ dropped: this.#unloggedDrops, droppedTotal: this.#dropped, reason: this.#dropReason },
      'audit events dropped: this sink will never receive them');
    this.#unloggedDrops = 0;
  }
}
