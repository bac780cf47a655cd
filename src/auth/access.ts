// Who may reach the upstreams at all, evaluated for the effective user (the
// target while impersonating). Public paths need no identity.
import type { Exchange, StageResult } from '../stage.ts';
import { DONE, NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import type { UserIdentity } from '../identity/types.ts';
import { matchesPrincipals } from '../identity/principals.ts';
import { sendProblem } from '../console/error-page.ts';

/** True when `path` is under one of the public prefixes. */
export function createPublicMatcher(publicPaths: readonly string[]): (path: string) => boolean {
  return (path) => publicPaths.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`) || (p.endsWith('/') && path === p.slice(0, -1)));
}

export function createAccessPolicy(rt: Runtime): (user: UserIdentity) => boolean {
  const allow = rt.config.access.allow;
  return (user) => allow.everyone || matchesPrincipals(user, allow);
}

export function createAccessStage(rt: Runtime) {
  const mayReach = createAccessPolicy(rt);
  return function enforceAccess(x: Exchange): StageResult {
    const identity = x.scope.identity;
    if (!identity) return NEXT; // only public paths get here without one
    if (mayReach(identity.user)) return NEXT;
    rt.logger.info({ requestId: x.scope.requestId, user: identity.user.user, path: x.scope.path }, 'access denied');
    sendProblem(x.req, x.res, {
      status: 403, code: 'access-denied', title: 'Access denied',
      detail: `You are signed in as ${identity.user.user}, who may not use this application. Ask its administrators for access, or sign in as someone else.`,
      requestId: x.scope.requestId, action: ['Sign out', `${rt.config.prefix}logout`],
    });
    return DONE;
  };
}
