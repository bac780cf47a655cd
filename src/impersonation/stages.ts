// The two impersonation stages of the request path. resolve: while acting as
// someone, the effective identity is the target's and the operator is the
// actor; the impersonation ends here when it expired, was revoked on any
// replica, or the operator lost the right. guard: denied paths and, in
// read-only mode, unsafe methods are refused; every request is audited.
import type { Exchange, StageResult } from '../stage.ts';
import { DONE, NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import type { Policy } from './policy.ts';
import type { ActiveIndex } from './types.ts';
import type { Lifecycle } from './lifecycle.ts';
import { sendProblem } from '../console/error-page.ts';
import { writableSession } from '../session/load.ts';
import { sessionIdOf } from '../session/middleware.ts';
import { performance } from 'node:perf_hooks';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function createImpersonationResolver(rt: Runtime, policy: Policy, active: ActiveIndex, lifecycle: Lifecycle) {
  return async function resolveImpersonation(x: Exchange): Promise<StageResult> {
    const session = x.scope.session;
    const state = session?.impersonation;
    if (!session || !state || !x.scope.identity) return NEXT;
    const actor = session.user!;
    let why: 'expire' | 'revoke' | 'lost-right' | undefined;
    if (Date.now() >= state.expiresAt) why = 'expire';
    else if (await active.isRevoked(state.id)) why = 'revoke';
    else if (!policy.decide(actor, state.target, { impersonating: false }).allow) why = 'lost-right';
    if (why) {
      await lifecycle.end(x.req, await writableSession(rt, x), why);
      x.scope.session = (x.req as typeof x.req & { session: typeof session }).session;
      rt.logger.info({ requestId: x.scope.requestId, actor: actor.user, target: state.target.user, why }, 'impersonation ended');
      return NEXT; // the request goes on as the operator's own
    }
    x.scope.identity = { user: state.target, actor, impersonation: state };
    return NEXT;
  };
}

export function createImpersonationGuard(rt: Runtime) {
  const { denyPaths, readOnlyAllow } = rt.config.impersonation;
  const denied = (path: string) => denyPaths.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
  const allowedWrite = (method: string, path: string) => readOnlyAllow.some((a) => a.method.toUpperCase() === method && (path === a.path || path.startsWith(a.path.endsWith('/') ? a.path : `${a.path}/`)));
  return function guardImpersonation(x: Exchange): StageResult {
    const identity = x.scope.identity;
    const state = identity?.impersonation;
    if (!identity?.actor || !state) return NEXT;
    const method = x.upgrade ? 'WEBSOCKET' : (x.req.method ?? 'GET');
    const path = x.scope.path;
    const audit = {
      requestId: x.scope.requestId, sessionId: sessionIdOf(x.req), ip: x.scope.clientIp, userAgent: x.req.headers['user-agent'],
      actor: { sub: identity.actor.sub, user: identity.actor.user, email: identity.actor.email },
      subject: { sub: identity.user.sub, user: identity.user.user, email: identity.user.email },
      mode: state.mode, impersonationId: state.id, method, path, upstream: x.scope.upstream?.name,
    };
    let reason: string | undefined;
    if (denied(path)) reason = 'path-denied-while-impersonating';
    else if (state.mode === 'read-only' && !SAFE_METHODS.has(method) && !allowedWrite(method, path)) reason = 'read-only-mode';
    if (reason) {
      void rt.audit.record({ ...audit, type: 'request.blocked', outcome: 'denied', status: 403, reasons: [reason] }).catch(() => undefined);
      sendProblem(x.req, x.res, {
        status: 403, code: reason, title: 'Not allowed while acting as someone else',
        detail: reason === 'read-only-mode'
          ? `You are acting as ${identity.user.user} in read-only mode, so this ${method === 'WEBSOCKET' ? 'live connection' : `${method} request`} was not sent. Stop acting as ${identity.user.user} to make changes as yourself.`
          : `You are acting as ${identity.user.user}; ${path} is never available while acting as someone else.`,
        requestId: x.scope.requestId, action: ['Back to the actas console', rt.config.prefix],
      });
      return DONE;
    }
    if (x.upgrade) {
      void rt.audit.record({ ...audit, type: 'request', outcome: 'success', status: 101 }).catch(() => undefined);
      return NEXT;
    }
    const started = performance.now();
    x.res.once('finish', () => {
      void rt.audit.record({ ...audit, type: 'request', outcome: 'success', status: x.res.statusCode, durationMs: Math.round(performance.now() - started) }).catch(() => undefined);
    });
    return NEXT;
  };
}
