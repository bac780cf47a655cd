// The webhook sink: POSTs batches as a JSON array to a SIEM endpoint. A batch
// counts as delivered on a 2xx; otherwise the chain head stays put, so a
// retry re-sends the same events with the same hashes (dedupe by `id`).
import { connect } from 'node:net';
import type { AuditRecord } from '../types.ts';
import type { Sink } from './types.ts';
import { chainRecords } from '../chain.ts';
import { GENESIS, serializeEvent } from '../canonical.ts';
import { createHash } from 'node:crypto';

export interface WebhookSinkOptions {
  url: string;
  headers: Record<string, string>;
  batchSize: number;
  flushInterval: number;
  required: boolean;
  timeout: number;
}

export class WebhookSink implements Sink {
  readonly type = 'webhook' as const;
  readonly name: string;
  readonly key: string;
  readonly required: boolean;
  readonly batchSize: number;
  readonly flushInterval: number;
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #timeout: number;
  #prev = GENESIS;

  constructor(options: WebhookSinkOptions) {
    this.#url = new URL(options.url);
    this.#headers = options.headers;
    this.#timeout = options.timeout;
    this.required = options.required;
    this.batchSize = options.batchSize;
    this.flushInterval = options.flushInterval;
    // Some endpoints carry a token in the path or query: the label (metrics,
    // logs, health) names the origin and a short hash of the full URL only.
    const digest = createHash('sha256').update(options.url).digest('hex');
    this.name = `webhook:${this.#url.origin}#${digest.slice(0, 8)}`;
    this.key = `webhook-${digest.slice(0, 16)}`;
  }

  async open(): Promise<void> {}

  async write(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const events = chainRecords(this.#prev, records);
    const body = `[${events.map((e) => serializeEvent(e)).join(',')}]`;
    const res = await fetch(this.#url, {
      method: 'POST',
      headers: { ...this.#headers, 'content-type': 'application/json' },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(this.#timeout),
    });
    // Drain the body so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    this.#prev = events.at(-1)!.hash;
  }

  /** A TCP connect to the endpoint: proves reachability without sending anything. */
  async probe(): Promise<void> {
    const port = Number(this.#url.port) || (this.#url.protocol === 'https:' ? 443 : 80);
    const host = this.#url.hostname.replace(/^\[|\]$/g, '');
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port, timeout: this.#timeout });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('timeout', () => {
        socket.destroy();
        reject(new Error('webhook endpoint did not accept a connection in time'));
      });
      socket.once('error', (err) => {
        socket.destroy();
        reject(err);
      });
    });
  }

  async close(): Promise<void> {}
}
