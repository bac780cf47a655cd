// Loads the session for the request. A store that cannot answer means 503
// with a clear page: never a request forwarded without its identity.
import type { Exchange, StageResult } from '../stage.ts';
import { DONE, NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import { sendProblem } from '../console/error-page.ts';

export function storeUnavailable(requestId: string) {
  return {
    status: 503, code: 'session-store-unavailable', title: 'Temporarily unavailable',
    detail: 'actas cannot reach its session store right now, so it cannot tell who you are. Nothing was sent to the application. Try again in a moment.',
    requestId,
  };
}

export function createSessionLoader(rt: Runtime) {
  const log = rt.logger.child({ component: 'session' });
  return async function loadSession(x: Exchange): Promise<StageResult> {
    if (x.scope.isPublic) return NEXT; // public paths carry no identity
    try {
      await rt.sessions.load(x.req, x.res);
    } catch (err) {
      log.error({ requestId: x.scope.requestId, err: { message: (err as Error).message } }, 'session store unavailable');
      sendProblem(x.req, x.res, storeUnavailable(x.scope.requestId), { 'retry-after': '5' });
      return DONE;
    }
    x.scope.session = (x.req as typeof x.req & { session?: Exchange['scope']['session'] }).session;
    return NEXT;
  };
}
