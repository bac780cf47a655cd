// The embedded session store: one process, nothing to install. Entries expire
// by the same TTL rule as the Redis store and are swept in the background, so
// an idle demo does not grow without bound.
import session from 'express-session';
import type { SessionData } from 'express-session';

type Callback<T = unknown> = (err?: unknown, value?: T) => void;

export class MemoryStore extends session.Store {
  readonly #entries = new Map<string, { json: string; expiresAt: number }>();
  readonly #ttlMs: (sess: SessionData) => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(ttlMs: (sess: SessionData) => number) {
    super();
    this.#ttlMs = ttlMs;
    this.#sweeper = setInterval(() => this.#sweep(), 60_000);
    this.#sweeper.unref();
  }

  override get(sid: string, cb: Callback<SessionData | null>): void {
    const entry = this.#entries.get(sid);
    if (!entry || entry.expiresAt <= Date.now()) {
      if (entry) this.#entries.delete(sid);
      return cb(undefined, null);
    }
    // Stored as JSON so a request never shares mutable objects with another.
    cb(undefined, JSON.parse(entry.json) as SessionData);
  }

  override set(sid: string, sess: SessionData, cb?: Callback): void {
    this.#entries.set(sid, { json: JSON.stringify(sess), expiresAt: Date.now() + this.#ttlMs(sess) });
    cb?.();
  }

  override destroy(sid: string, cb?: Callback): void {
    this.#entries.delete(sid);
    cb?.();
  }

  override all(cb: Callback<SessionData[]>): void {
    const now = Date.now();
    cb(undefined, [...this.#entries.values()].filter((e) => e.expiresAt > now).map((e) => JSON.parse(e.json) as SessionData));
  }

  override length(cb: Callback<number>): void {
    cb(undefined, this.#entries.size);
  }

  override clear(cb?: Callback): void {
    this.#entries.clear();
    cb?.();
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [sid, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(sid);
  }
}
