// express-session set up for actas: memory or Redis store, a hardened cookie,
// and a TTL that follows the idle and absolute timeouts. Nothing is written
// on a plain read: no rolling cookie, no store touch; lastSeenAt is written
// at most once a minute (see identity/resolve.ts).
import session from 'express-session';
import type { SessionData } from 'express-session';
import { RedisStore } from 'connect-redis';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.ts';
import { MemoryStore } from './memory-store.ts';
import type { RedisConnection } from './redis.ts';
import './types.ts';

/** How often lastSeenAt may be written, which bounds idle-timeout precision. */
export const LAST_SEEN_WRITE_INTERVAL = 60_000;

export interface SessionLayer {
  store: session.Store;
  cookieName: string;
  /** Loads req.session (a Promise around express-session's middleware). */
  load(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): void;
}

/** The session secrets, the signing one first. */
export function sessionSecrets(config: Config): string[] {
  return [config.session.secret].flat();
}

/** The cookie name: __Host- prefixed when the public origin is https. */
export function cookieNameFor(config: Config): string {
  if (config.session.cookieName) return config.session.cookieName;
  return new URL(config.publicUrl).protocol === 'https:' ? '__Host-actas' : 'actas';
}

/** Remaining lifetime of a session in ms: idle window (plus write slack), capped by the absolute timeout. */
export function sessionTtlMs(config: Config, sess: SessionData, now = Date.now()): number {
  const idle = config.session.idleTimeout + LAST_SEEN_WRITE_INTERVAL;
  if (!sess.loginAt) return Math.min(idle, config.oidc.loginTimeout); // a login in progress
  const absoluteLeft = sess.loginAt + config.session.absoluteTimeout - now;
  return Math.max(1_000, Math.min(idle, absoluteLeft));
}

export function createSessionLayer(config: Config, redis?: RedisConnection): SessionLayer {
  const ttlMs = (sess: SessionData): number => sessionTtlMs(config, sess);
  const store = config.session.store === 'redis'
    ? new RedisStore({ client: redis, prefix: `${config.session.redis.prefix}sess:`, ttl: (s: SessionData) => Math.ceil(ttlMs(s) / 1000), disableTouch: true })
    : new MemoryStore(ttlMs);
  const secure = new URL(config.publicUrl).protocol === 'https:';
  const cookieName = cookieNameFor(config);
  const middleware = session({
    name: cookieName,
    secret: sessionSecrets(config),
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    unset: 'destroy',
    // The public scheme is decided by publicUrl, which the front door writes
    // into X-Forwarded-Proto; `proxy` makes express-session read it there.
    proxy: true,
    cookie: { httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: config.session.absoluteTimeout },
  });
  return {
    store,
    cookieName,
    load: (req, res) => new Promise<void>((resolve, reject) => {
      middleware(req as never, res as never, (err?: unknown) => (err ? reject(err) : resolve()));
    }),
    close: () => { if (store instanceof MemoryStore) store.close(); },
  };
}

/** The session id express-session assigned to this request, if any. */
export function sessionIdOf(req: IncomingMessage): string | undefined {
  return (req as IncomingMessage & { sessionID?: string }).sessionID;
}
