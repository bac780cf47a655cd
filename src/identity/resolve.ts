// Resolves who a request is: the session's user, checked against the idle
// and absolute timeouts and kept current by refresh. An expired or revoked
// session is destroyed and the request continues as anonymous.
import type { Exchange, StageResult } from '../stage.ts';
import { NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import { LAST_SEEN_WRITE_INTERVAL, sessionIdOf } from '../session/middleware.ts';
import { refreshDue, refreshIfDue } from '../auth/refresh.ts';
import { writableSession } from '../session/load.ts';

/** Called before a timed-out or refused session is destroyed (impersonation ends with it). */
export type SessionEndHook = (x: Exchange) => Promise<void>;

export function createIdentityResolver(rt: Runtime, onEnd?: SessionEndHook) {
  const { idleTimeout, absoluteTimeout } = rt.config.session;
  return async function resolveIdentity(x: Exchange): Promise<StageResult> {
    const seen = x.scope.session;
    if (!seen?.user) return NEXT;
    const now = Date.now();
    const loginAt = seen.loginAt ?? 0;
    const lastSeenAt = seen.lastSeenAt ?? loginAt;
    const timedOut = now - loginAt > absoluteTimeout || now - lastSeenAt > idleTimeout;
    // Written at most once a minute: a plain read costs no store write.
    const touch = now - lastSeenAt >= LAST_SEEN_WRITE_INTERVAL;
    if (!timedOut && !touch && !refreshDue(rt, seen)) {
      x.scope.identity = { user: seen.user };
      return NEXT;
    }
    const session = await writableSession(rt, x);
    if (timedOut) {
      await onEnd?.(x);
      await endSession(x, rt, 'timeout');
      return NEXT;
    }
    if ((await refreshIfDue(rt, sessionIdOf(x.req)!, session)) === 'revoked') {
      await onEnd?.(x);
      await endSession(x, rt, 'refresh-refused');
      return NEXT;
    }
    if (touch) session.lastSeenAt = now;
    x.scope.identity = { user: session.user! };
    return NEXT;
  };
}

async function endSession(x: Exchange, rt: Runtime, why: string): Promise<void> {
  const session = x.scope.session!;
  rt.logger.info({ requestId: x.scope.requestId, sub: session.user?.sub, why }, 'session ended');
  x.scope.session = undefined;
  await new Promise<void>((resolve) => session.destroy(() => resolve()));
}
