// Loads the session for the request. A plain read takes the read-only path
// (session/read.ts); a request that may write the session goes through
// express-session. A store that cannot answer means 503 with a clear page:
// never a request forwarded without its identity.
import type { SessionData } from 'express-session';
import type { Exchange, StageResult } from '../stage.ts';
import { DONE, NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import type { RequestScope } from '../scope.ts';
import { sendProblem } from '../console/error-page.ts';
import { createSessionReader } from './read.ts';
import { LAST_SEEN_WRITE_INTERVAL, sessionSecrets } from './middleware.ts';
import { refreshDue } from '../auth/refresh.ts';

export function storeUnavailable(requestId: string) {
  return {
    status: 503, code: 'session-store-unavailable', title: 'Temporarily unavailable',
    detail: 'actas cannot reach its session store right now, so it cannot tell who you are. Nothing was sent to the application. Try again in a moment.',
    requestId,
  };
}

/** True when serving this request cannot need a session write (see identity/resolve.ts and auth/refresh.ts). */
function readOnlyWillDo(rt: Runtime, s: SessionData, now: number): boolean {
  const { idleTimeout, absoluteTimeout } = rt.config.session;
  if (!s.user || s.loginAt === undefined) return false;
  const lastSeenAt = s.lastSeenAt ?? s.loginAt;
  if (now - s.loginAt > absoluteTimeout || now - lastSeenAt >= Math.min(idleTimeout, LAST_SEEN_WRITE_INTERVAL)) return false;
  if (refreshDue(rt, s)) return false;
  if (s.impersonation && now >= s.impersonation.expiresAt) return false;
  return Boolean(s.csrf);
}

/**
 * Makes the request's session writable (express-session) if it was read on
 * the read-only path; stages call this before they change the session.
 */
export async function writableSession(rt: Runtime, x: Exchange): Promise<NonNullable<RequestScope['session']>> {
  if (x.scope.sessionReadOnly) {
    await rt.sessions.load(x.req, x.res);
    x.scope.session = (x.req as typeof x.req & { session: NonNullable<RequestScope['session']> }).session;
    x.scope.sessionReadOnly = false;
  }
  return x.scope.session!;
}

export function createSessionLoader(rt: Runtime) {
  const log = rt.logger.child({ component: 'session' });
  const reader = createSessionReader(rt.sessions.store, rt.sessions.cookieName, sessionSecrets(rt.config));
  const unavailable = (x: Exchange, err: unknown): StageResult => {
    log.error({ requestId: x.scope.requestId, err: { message: (err as Error).message } }, 'session store unavailable');
    sendProblem(x.req, x.res, storeUnavailable(x.scope.requestId), { 'retry-after': '5' });
    return DONE;
  };
  return async function loadSession(x: Exchange): Promise<StageResult> {
    if (x.scope.isPublic) return NEXT; // public paths carry no identity
    const sid = reader.sessionIdOf(x.req.headers.cookie);
    if (sid === undefined) return NEXT; // no valid session cookie: anonymous
    let stored: SessionData | null;
    try {
      stored = await reader.read(sid);
    } catch (err) {
      return unavailable(x, err);
    }
    if (!stored?.user) return NEXT; // expired, or a login still in progress: anonymous here
    if (readOnlyWillDo(rt, stored, Date.now())) {
      (x.req as typeof x.req & { sessionID?: string }).sessionID = sid;
      x.scope.session = stored as NonNullable<RequestScope['session']>;
      x.scope.sessionReadOnly = true;
      return NEXT;
    }
    try {
      await rt.sessions.load(x.req, x.res);
    } catch (err) {
      return unavailable(x, err);
    }
    x.scope.session = (x.req as typeof x.req & { session?: RequestScope['session'] }).session;
    return NEXT;
  };
}
