// The impersonation routes: directory search and dry run (JSON), start,
// release and revoke (POST forms with CSRF, answered with 303). Failures go
// back to the console with a code it explains in plain words.
import { Router, type Request, type Response } from 'express';
import type { Runtime } from '../runtime.ts';
import type { Policy } from './policy.ts';
import type { Directory, ActiveIndex } from './types.ts';
import type { Lifecycle } from './lifecycle.ts';
import { csrfProblem } from '../auth/csrf.ts';
import { safeReturnTo } from '../auth/return-to.ts';
import { sendProblem } from '../console/error-page.ts';
import { scopeOf } from '../scope.ts';
import { expireJarCookies } from '../proxy/cookie-jar.ts';
import type { SocketRegistry } from '../proxy/websockets.ts';

export interface ImpersonationRouteDeps {
  rt: Runtime;
  policy: Policy;
  directory: Directory;
  active: ActiveIndex;
  lifecycle: Lifecycle;
  sockets: SocketRegistry;
}

export function createImpersonationRoutes(deps: ImpersonationRouteDeps): Router {
  const { rt, policy, directory, active, lifecycle } = deps;
  const prefix = rt.config.prefix;
  const router = Router();

  const needUser = (req: Request, res: Response): boolean => {
    if (req.session.user) return true;
    sendProblem(req, res, { status: 401, code: 'unauthenticated', title: 'Sign-in required', detail: 'Sign in first.', requestId: scopeOf(req).requestId, action: ['Sign in', `${prefix}login?rd=${encodeURIComponent(prefix)}`] });
    return false;
  };
  const formProblem = (req: Request): string | undefined => csrfProblem(req, req.session, req.body?.csrf, rt.publicOrigin);
  const backToConsole = (res: Response, params: Record<string, string>) => res.redirect(303, `${prefix}?${new URLSearchParams(params)}`);

  router.get('/users', async (req, res) => {
    if (!needUser(req, res)) return;
    const actor = req.session.user!;
    if (!policy.canImpersonateSomeone(actor)) return void res.status(403).json({ error: 'not-allowed', message: 'You may not act as anyone.' });
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '';
    const impersonating = Boolean(req.session.impersonation);
    const users = (await directory.search(q, 200))
      .map((u) => ({ u, decision: policy.decide(actor, u, { impersonating }) }))
      // Only targets the caller may act as, plus the ones refused for a reason that reveals nothing new.
      .filter(({ decision }) => decision.allow || !decision.reasons.includes('unknown-or-forbidden-target'))
      .slice(0, 25)
      .map(({ u, decision }) => ({ sub: u.sub, user: u.user, email: u.email, name: u.name, decision }));
    res.set('cache-control', 'no-store').json({ users });
  });

  router.get('/can-i', async (req, res) => {
    if (!needUser(req, res)) return;
    const sub = typeof req.query.target === 'string' ? req.query.target : '';
    const decision = policy.decide(req.session.user!, sub ? await directory.get(sub) : undefined, { impersonating: Boolean(req.session.impersonation) });
    res.set('cache-control', 'no-store').json({ target: sub, ...decision });
  });

  router.post('/impersonate', async (req, res) => {
    if (!needUser(req, res)) return;
    const target = String(req.body?.target ?? '');
    const problem = formProblem(req);
    const rd = safeReturnTo(req.body?.rd, '/');
    if (problem) return backToConsole(res, { error: problem, target, rd });
    const result = await lifecycle.start(req, req.session, {
      targetSub: target, reason: String(req.body?.reason ?? ''), durationMinutes: Number(req.body?.duration ?? 15),
    });
    if (!result.ok) return backToConsole(res, { error: result.code, target, rd });
    res.redirect(303, rd);
  });

  router.post('/release', async (req, res) => {
    if (!needUser(req, res)) return;
    const problem = formProblem(req);
    if (problem) return backToConsole(res, { error: problem });
    const wasImpersonating = Boolean(req.session.impersonation);
    await lifecycle.end(req, req.session, 'stop');
    // The target's upstream cookies go with the impersonation.
    if (wasImpersonating) for (const line of expireJarCookies(req.headers.cookie, rt.publicOrigin.startsWith('https:'))) res.append('set-cookie', line);
    const rd = safeReturnTo(req.body?.rd, '');
    if (rd) res.redirect(303, rd);
    else backToConsole(res, { released: '1' });
  });

  router.post('/sessions/:id/revoke', async (req, res) => {
    if (!needUser(req, res)) return;
    const auditor = req.session.user!;
    if (!policy.isAuditor(auditor)) return void sendProblem(req, res, { status: 403, code: 'not-auditor', title: 'Not allowed', detail: 'Only auditors may revoke impersonations.', requestId: scopeOf(req).requestId });
    const problem = formProblem(req);
    if (problem) return backToConsole(res, { error: problem });
    const id = String(req.params.id);
    const entry = await active.get(id);
    if (!entry) return backToConsole(res, { error: 'not-active' });
    const scope = scopeOf(req);
    try {
      await rt.audit.record({
        type: 'impersonation.revoke', outcome: 'success', requestId: scope.requestId, ip: scope.clientIp, userAgent: req.headers['user-agent'],
        actor: { sub: auditor.sub, user: auditor.user, email: auditor.email }, subject: { sub: entry.actor.sub, user: entry.actor.user, email: entry.actor.email },
        reason: entry.reason, mode: entry.mode, expiresAt: entry.expiresAt, impersonationId: id, reasons: ['revoked-by-auditor', `target:${entry.target.user}`],
      });
    } catch {
      return backToConsole(res, { error: 'audit-unavailable' });
    }
    await active.revoke(id);
    deps.sockets.closeTagged(id);
    backToConsole(res, { revoked: id });
  });

  return router;
}
