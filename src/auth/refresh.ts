// Keeps a session's tokens and groups current: shortly before the access
// token expires, the refresh token is used (once per session at a time). A
// refused refresh ends the session; an unreachable IdP keeps it and retries.
import type { Session, SessionData } from 'express-session';
import type { Runtime } from '../runtime.ts';

const RETRY_AFTER_FAILURE = 30_000;
const inFlight = new Map<string, Promise<RefreshOutcome>>();
const failedAt = new Map<string, number>();

export type RefreshOutcome = 'fresh' | 'refreshed' | 'revoked' | 'deferred';

/** True when the access token is close enough to expiry to refresh (and can be). */
export function refreshDue(rt: Runtime, session: Partial<SessionData>): boolean {
  const t = session.tokens;
  return Boolean(t?.refreshToken && t.expiresAt !== undefined && session.user && t.expiresAt - Date.now() <= rt.config.oidc.refreshBefore);
}

/** Refreshes when due. 'revoked' means the IdP no longer accepts this login. */
export async function refreshIfDue(rt: Runtime, sessionId: string, session: Session & Partial<SessionData>): Promise<RefreshOutcome> {
  if (!refreshDue(rt, session)) return 'fresh';
  if (Date.now() - (failedAt.get(sessionId) ?? 0) < RETRY_AFTER_FAILURE) return 'deferred';
  let pending = inFlight.get(sessionId);
  if (!pending) {
    pending = doRefresh(rt, sessionId, session).finally(() => inFlight.delete(sessionId));
    inFlight.set(sessionId, pending);
  }
  return pending;
}

async function doRefresh(rt: Runtime, sessionId: string, session: Session & Partial<SessionData>): Promise<RefreshOutcome> {
  const log = rt.logger.child({ component: 'refresh' });
  try {
    const result = await rt.oidc.refresh(session.tokens!, session.user!.sub);
    session.tokens = result.tokens;
    session.user = result.user;
    failedAt.delete(sessionId);
    return 'refreshed';
  } catch (err) {
    const e = err as Error & { error?: string; status?: number };
    if (e.error === 'invalid_grant' || e.status === 400) {
      log.info({ sub: session.user?.sub }, 'refresh refused by the identity provider; ending the session');
      return 'revoked';
    }
    failedAt.set(sessionId, Date.now());
    if (failedAt.size > 10_000) failedAt.clear();
    log.warn({ err: { message: e.message } }, 'token refresh failed; keeping the session and retrying later');
    return 'deferred';
  }
}
