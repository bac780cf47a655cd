// The typed per-request scope: the state that stages of the request path hand
// to each other, instead of ad-hoc properties on `req`.
import type { IncomingMessage } from 'node:http';
import type { Session, SessionData } from 'express-session';
import type { EffectiveIdentity } from './identity/types.ts';
import type { UpstreamConfig } from './config/schema.ts';

export interface RequestScope {
  requestId: string;
  startedAt: number;          // performance.now() at arrival
  /** The normalised path (percent-decoded unreserved chars, dot segments resolved). */
  path: string;
  /** The client's address as actas trusts it. */
  clientIp: string;
  isPublic: boolean;
  upgrade: boolean;           // a websocket upgrade
  /**
   * The session. When `sessionReadOnly`, it is a plain snapshot read from the
   * store (no express-session methods): call writableSession() before changing it.
   */
  session?: Session & Partial<SessionData>;
  sessionReadOnly?: boolean;
  identity?: EffectiveIdentity;
  upstream?: UpstreamConfig;
}

const scopes = new WeakMap<IncomingMessage, RequestScope>();

export function setScope(req: IncomingMessage, scope: RequestScope): RequestScope {
  scopes.set(req, scope);
  return scope;
}

/** The scope of a request that entered through actas's front door. */
export function scopeOf(req: IncomingMessage): RequestScope {
  const scope = scopes.get(req);
  if (!scope) throw new Error('request has no actas scope');
  return scope;
}
