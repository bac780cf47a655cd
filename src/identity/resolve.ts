// Resolves who a request is: the session's user, checked against the idle
// and absolute timeouts and kept current by refresh. An expired or revoked
// session is destroyed and the request continues as anonymous.
import type { Exchange, StageResult } from '../stage.ts';
import { NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import { LAST_SEEN_WRITE_INTERVAL, sessionIdOf } from '../session/middleware.ts';
import { refreshIfDue } from '../auth/refresh.ts';

/** Called before a timed-out or refused session is destroyed (impersonation ends with it). */
export type SessionEndHook = (x: Exchange) => Promise<void>;

export function createIdentityResolver(rt: Runtime, onEnd?: SessionEndHook) {
  const { idleTimeout, absoluteTimeout } = rt.config.session;
  return async function resolveIdentity(x: Exchange): Promise<StageResult> {
    const session = x.scope.session;
    const user = session?.user;
    if (!session || !user) return NEXT;
    const now = Date.now();
    const loginAt = session.loginAt ?? 0;
    const lastSeenAt = session.lastSeenAt ?? loginAt;
    if (now - loginAt > absoluteTimeout || now - lastSeenAt > idleTimeout) {
      await onEnd?.(x);
      await endSession(x, rt, 'timeout');
      return NEXT;
    }
    const sid = sessionIdOf(x.req)!;
    if ((await refreshIfDue(rt, sid, session)) === 'revoked') {
      await onEnd?.(x);
      await endSession(x, rt, 'refresh-refused');
      return NEXT;
    }
    // Written at most once a minute: a plain read costs no store write.
    if (now - lastSeenAt >= LAST_SEEN_WRITE_INTERVAL) session.lastSeenAt = now;
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
