// The audit log: builds each event once, hands it to every sink's channel
// and applies the delivery table. A required event resolves only when every
// required sink stored it; otherwise it is refused (and the refusal itself
// is recorded), so the caller refuses the action it would have authorised.
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../ops/logger.ts';
import { ConfigError } from '../errors.ts';
import type { AuditEvent, AuditEventInput, AuditHealth, AuditLog, AuditQuery, AuditRecord } from './types.ts';
import { DELIVERY } from './delivery.ts';
import { buildEvent } from './event.ts';
import { Channel } from './channel.ts';
import { auditMetrics } from './metrics.ts';
import { AuditUnavailableError } from './errors.ts';
import { MAX_SCAN, matches, normaliseQuery } from './query.ts';
import { acquireSpoolLock } from './lock.ts';
import { createSinks } from './sinks/index.ts';

export interface AuditLogOptions {
  /** Where the stdout sink writes (tests inject a stream). */
  stdout?: NodeJS.WritableStream;
}

class ChannelledAuditLog implements AuditLog {
  readonly #channels: Channel[];
  readonly #config: Config['audit'];
  readonly #secret: string;
  readonly #logger: Logger;
  readonly #release: () => Promise<void>;
  #closed = false;

  constructor(channels: Channel[], config: Config, logger: Logger, release: () => Promise<void>) {
    this.#channels = channels;
    this.#config = config.audit;
    const secret = config.session.secret;
    this.#secret = Array.isArray(secret) ? secret[0]! : secret;
    this.#logger = logger;
    this.#release = release;
  }

  #build(input: AuditEventInput): AuditRecord {
    const record = buildEvent(input, { maxFieldLength: this.#config.maxFieldLength, sessionSecret: this.#secret });
    auditMetrics.events.inc({ type: record.type, outcome: record.outcome });
    return record;
  }

  async record(input: AuditEventInput): Promise<void> {
    const record = this.#build(input);
    if (DELIVERY[record.type] !== 'required') {
      if (this.#closed) this.#logger.error({ type: record.type, id: record.id }, 'audit event after close: not recorded');
      for (const channel of this.#channels) channel.enqueue(record);
      return;
    }
    if (this.#closed) throw new AuditUnavailableError('the audit log is closed');
    // With no sink marked required, at least one sink must store it.
    const required = this.#channels.filter((c) => c.required);
    const gate = required.length > 0 ? required : this.#channels;
    const results = await Promise.allSettled(gate.map((c) => c.deliver(record, this.#config.requiredTimeout)));
    const stored = results.filter((r) => r.status === 'fulfilled').length;
    const accepted = required.length > 0 ? stored === gate.length : stored > 0;
    if (!accepted) {
      auditMetrics.refused.inc({ type: record.type });
      const failed = gate.filter((_, i) => results[i]!.status === 'rejected').map((c) => c.sink.name);
      this.#logger.error({ type: record.type, id: record.id, sinks: failed }, 'required audit event not stored: the action is refused');
      // A sink may have stored it anyway (a late write): record the refusal
      // so nobody reads that event as an action that took effect.
      const refusal: AuditRecord = {
        ...record,
        id: randomUUID(),
        time: new Date().toISOString(),
        outcome: 'error',
        reasons: [...(record.reasons ?? []), 'audit-unavailable'],
      };
      auditMetrics.events.inc({ type: refusal.type, outcome: refusal.outcome });
      for (const channel of this.#channels) channel.enqueue(refusal);
      const first = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      throw new AuditUnavailableError(`the audit log could not store ${record.type} (${failed.join(', ')}); the action is refused`, first?.reason);
    }
    for (let i = 0; i < this.#channels.length; i += 1) {
      const channel = this.#channels[i]!;
      const index = gate.indexOf(channel);
      // Sinks outside the gate, and gate sinks that missed it when only one
      // was needed, get the event behind their backlog.
      if (index < 0 || results[index]!.status === 'rejected') channel.enqueue(record);
    }
  }

  async health(): Promise<AuditHealth> {
    const sinks = this.#channels.map((c) => c.health());
    const required = sinks.filter((s) => s.required);
    const gateOk = required.length > 0 ? required.every((s) => s.ok) : sinks.some((s) => s.ok);
    return {
      ok: !this.#closed && gateOk && !sinks.some((s) => s.spoolFull),
      backlog: sinks.reduce((n, s) => n + s.backlog, 0),
      sinks,
    };
  }

  async query(filter: AuditQuery): Promise<AuditEvent[]> {
    const q = normaliseQuery(filter);
    const source = this.#channels.find((c) => c.sink.type === 'redis-stream')?.sink
      ?? this.#channels.find((c) => c.sink.type === 'file')?.sink;
    if (!source?.readNewestFirst) throw new AuditUnavailableError('no audit sink can be queried: configure a file or redis-stream sink');
    const out: AuditEvent[] = [];
    let scanned = 0;
    try {
      const range: { since?: number; until?: number } = {};
      if (q.since !== undefined) range.since = q.since;
      if (q.until !== undefined) range.until = q.until;
      for await (const event of source.readNewestFirst(range)) {
        if (matches(event, q)) out.push(event);
        scanned += 1;
        if (out.length >= q.limit || scanned >= MAX_SCAN) break;
      }
    } catch (err) {
      throw new AuditUnavailableError(`audit sink ${source.name} cannot be read`, err);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#channels.map((c) => c.close()));
    await this.#release();
  }
}

/**
 * Creates the audit log from `config.audit`: one channel (queue, spool,
 * retries) per sink. Fails at start only for what no retry can fix: sinks
 * that would collide, or a spool directory that cannot be created or is
 * held by another running process.
 */
export async function createAuditLog(config: Config, logger: Logger, options: AuditLogOptions = {}): Promise<AuditLog> {
  const log = logger.child({ component: 'audit' });
  const sinks = createSinks(config, log, options.stdout);
  const keys = new Map<string, number>();
  const problems: string[] = [];
  sinks.forEach((sink, i) => {
    const j = keys.get(sink.key);
    if (j !== undefined) problems.push(`audit.sinks[${i}]: writes to the same place as audit.sinks[${j}]`);
    keys.set(sink.key, i);
  });
  if (problems.length) throw new ConfigError(problems);
  // resolveConfig always sets it (beside the first file sink); a hand-built config may not.
  const spoolDir = config.audit.spoolDir ?? resolve('audit/spool');
  await mkdir(spoolDir, { recursive: true, mode: 0o700 });
  const release = await acquireSpoolLock(spoolDir);
  const channels: Channel[] = [];
  try {
    for (const [i, sink] of sinks.entries()) {
      const sinkConfig = config.audit.sinks[i]!;
      channels.push(await Channel.start(sink, log, {
        spoolDir,
        spoolMaxBytes: config.audit.spoolMaxBytes,
        retryDelay: config.audit.retryDelay,
        maxRetryDelay: sinkConfig.type === 'webhook' ? sinkConfig.maxRetryDelay : config.audit.maxRetryDelay,
      }));
    }
  } catch (err) {
    await Promise.all(channels.map((c) => c.close()));
    await release();
    throw err;
  }
  return new ChannelledAuditLog(channels, config, log, release);
}
