// The redis-stream sink: every replica XADDs to one shared stream. Redis has
// no SHA-256, so hashes are computed here and a Lua script appends only if
// the stream's last hash is still the `prev` they were computed from
// (compare-and-append); a replica that lost the race re-chains and retries.
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import type { Logger } from '../../ops/logger.ts';
import type { AuditEvent, AuditRecord } from '../types.ts';
import type { ReadRange, Sink } from './types.ts';
import { chainRecords } from '../chain.ts';
import { GENESIS, serializeEvent } from '../canonical.ts';
import { parseEventLine } from '../validate.ts';

// KEYS[1] stream. ARGV: genesis, expected prev, maxLen, n, then n pairs of
// (event line, hash). Returns {1, last id} when appended, {0, actual head}
// when another writer got there first, {-1, id} for an entry with no hash.
const APPEND_SCRIPT = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local head = ARGV[1]
if #last > 0 then
  head = nil
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'hash' then head = fields[i + 1] end
  end
  if head == nil then return {-1, last[1][1]} end
end
if head ~= ARGV[2] then return {0, head} end
local id = ''
for i = 0, tonumber(ARGV[4]) - 1 do
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'hash', ARGV[6 + 2 * i], 'event', ARGV[5 + 2 * i])
end
return {1, id}
`;

const MAX_RACE_RETRIES = 50;
const PAGE = 500;
const SCAN_SLACK_MS = 10 * 60_000;

export interface RedisStreamSinkOptions {
  url: string;
  stream: string;
  maxLen: number;
  required: boolean;
  connectTimeout: number;
  /** A call that gets no answer in this time counts as failed (a frozen server). */
  timeout: number;
}

function newClient(options: RedisStreamSinkOptions) {
  return createClient({
    url: options.url,
    // Fail at once while disconnected: the channel spools, a required event
    // is refused, nothing waits in a hidden queue.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeout,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000),
    },
  });
}

type Client = ReturnType<typeof newClient>;

/** The URL without user or password, for labels and spool names. */
function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return 'redis://invalid';
  }
}

export class RedisStreamSink implements Sink {
  readonly type = 'redis-stream' as const;
  readonly name: string;
  readonly key: string;
  readonly required: boolean;
  readonly batchSize = 256;
  readonly flushInterval = 0;
  readonly stream: string;
  readonly #maxLen: number;
  readonly #options: RedisStreamSinkOptions;
  readonly #logger: Logger;
  #client: Client;
  #connecting: Promise<unknown> | undefined;
  /** Last hash this replica saw; a guess that the script confirms or corrects. */
  #head: string | undefined;
  #closed = false;
  #lastLogged = 0;

  constructor(options: RedisStreamSinkOptions, logger: Logger) {
    this.stream = options.stream;
    this.#maxLen = options.maxLen;
    this.required = options.required;
    this.name = `redis-stream:${options.stream}`;
    this.key = `redis-stream-${createHash('sha256').update(`${publicUrl(options.url)} ${options.stream}`).digest('hex').slice(0, 16)}`;
    this.#logger = logger;
    this.#options = options;
    this.#client = this.#create();
  }

  #create(): Client {
    const client = newClient(this.#options);
    client.on('error', (err: Error) => {
      // The client reports every failed reconnect; one line a minute is plenty.
      if (Date.now() - this.#lastLogged < 60_000) return;
      this.#lastLogged = Date.now();
      this.#logger.warn({ sink: this.name, err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, 'audit redis connection error');
    });
    return client;
  }

  /**
   * Runs one call with a deadline. A server that accepted the connection but
   * stopped answering would otherwise hold this sink forever; on timeout the
   * client is replaced so nothing queues behind the stuck call.
   */
  async #timed<T>(call: (client: Client) => Promise<T>): Promise<T> {
    const client = this.#client;
    const late = new Error(`redis did not answer within ${this.#options.timeout} ms`);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(late), this.#options.timeout);
    });
    try {
      return await Promise.race([call(client), deadline]);
    } catch (err) {
      if (err === late) this.#replace(client);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  #replace(client: Client): void {
    if (this.#client !== client) return;
    this.#client = this.#create();
    this.#connecting = undefined;
    client.destroy();
  }

  // connect() settles only once connected (it keeps retrying), so it runs in
  // the background and writes check isReady instead of awaiting it.
  #ensureConnecting(): void {
    if (this.#closed || this.#client.isOpen || this.#connecting) return;
    const connecting: Promise<unknown> = this.#client.connect().catch(() => undefined).finally(() => {
      if (this.#connecting === connecting) this.#connecting = undefined;
    });
    this.#connecting = connecting;
  }

  /** Resolves once connected; gives up after connectTimeout (a reconnect in progress gets that long). */
  async #ready(): Promise<void> {
    if (this.#client.isReady) return;
    this.#ensureConnecting();
    const client = this.#client;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        if (err) reject(err);
        else resolve();
      };
      const onReady = (): void => done();
      const timer = setTimeout(() => done(new Error('redis is not connected')), this.#options.connectTimeout);
      client.on('ready', onReady);
      if (client.isReady) done();
    });
  }

  async open(): Promise<void> {
    this.#ensureConnecting();
  }

  async write(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#ready();
    let prev = this.#head ?? GENESIS;
    for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt += 1) {
      const events = chainRecords(prev, records);
      const args = [GENESIS, prev, String(this.#maxLen), String(events.length)];
      for (const e of events) args.push(serializeEvent(e), e.hash);
      const reply = await this.#timed((c) => c.eval(APPEND_SCRIPT, { keys: [this.stream], arguments: args })) as [number, string];
      const [status, value] = reply;
      if (status === 1) {
        this.#head = events.at(-1)!.hash;
        return;
      }
      if (status === -1) throw new Error(`stream ${this.stream} holds entry ${value} without a hash; it is not an audit chain`);
      prev = String(value);
    }
    throw new Error(`could not append to ${this.stream}: other writers kept winning`);
  }

  async probe(): Promise<void> {
    await this.#ready();
    await this.#timed((c) => c.ping());
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#client.isReady) await this.#client.close().catch(() => this.#client.destroy());
    else if (this.#client.isOpen) this.#client.destroy();
  }

  async *readNewestFirst(range: ReadRange): AsyncGenerator<AuditEvent> {
    await this.#ready();
    // Entry ids carry the append time; events can be appended a little after
    // their own time (spool), so the id range is widened and times filtered.
    let end = range.until !== undefined ? String(range.until + SCAN_SLACK_MS) : '+';
    const start = range.since !== undefined ? String(Math.max(0, range.since - SCAN_SLACK_MS)) : '-';
    for (;;) {
      const page = await this.#timed((c) => c.xRevRange(this.stream, end, start, { COUNT: PAGE }));
      if (!page || page.length === 0) return;
      for (const entry of page) {
        const line = entry.message.event;
        const event = typeof line === 'string' ? parseEventLine(line) : undefined;
        if (!event) continue;
        const time = Date.parse(event.time);
        if (range.until !== undefined && time > range.until) continue;
        if (range.since !== undefined && time < range.since) continue;
        yield event;
      }
      if (page.length < PAGE) return;
      end = `(${page.at(-1)!.id}`;
    }
  }
}
