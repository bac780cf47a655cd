// The login routes: start (GET login), finish (GET callback), logout (GET
// confirm page, POST to end), and whoami. Every failure is a clear page with
// no session left behind; every state change is audited.
import { Router, type Request } from 'express';
import { html } from '../html.ts';
import type { Runtime } from '../runtime.ts';
import { sendPage } from '../console/layout.ts';
import { sendProblem } from '../console/error-page.ts';
import { safeReturnTo } from './return-to.ts';
import { csrfProblem, csrfToken } from './csrf.ts';
import { ActasError } from '../errors.ts';
import { scopeOf } from '../scope.ts';
import type { PendingLogin } from '../session/types.ts';
import type { UserIdentity } from '../identity/types.ts';

const MAX_PENDING_LOGINS = 5;

/** Hooks the login routes call so later layers (directory, impersonation, sockets) can react. */
export interface LoginEvents {
  onLogin?(user: UserIdentity, req: Request): Promise<void>;
  onLogout?(sessionId: string, req: Request): Promise<void>;
}

function who(user: UserIdentity | undefined) {
  return user && { sub: user.sub, user: user.user, email: user.email };
}

export function createAuthRoutes(rt: Runtime, events: LoginEvents = {}): Router {
  const router = Router();
  const { prefix } = rt.config;
  const audit = (req: Request, input: Parameters<Runtime['audit']['record']>[0]) => rt.audit.record({
    requestId: scopeOf(req).requestId, ip: scopeOf(req).clientIp, userAgent: req.headers['user-agent'], ...input,
  });

  router.get('/login', async (req, res) => {
    const returnTo = safeReturnTo(req.query.rd);
    if (req.session.user) return void res.redirect(303, returnTo);
    const { url, pending } = await rt.oidc.startLogin(returnTo);
    const logins: Record<string, PendingLogin> = { ...req.session.login, [pending.state]: pending };
    // Several tabs may log in at once; keep the newest few.
    const states = Object.keys(logins).sort((a, b) => logins[a]!.startedAt - logins[b]!.startedAt);
    while (states.length > MAX_PENDING_LOGINS) delete logins[states.shift()!];
    req.session.login = logins;
    res.setHeader('cache-control', 'no-store');
    res.redirect(302, url.href);
  });

  router.get('/callback', async (req, res) => {
    const requestId = scopeOf(req).requestId;
    const fail = async (detail: string, code: string) => {
      await audit(req, { type: 'login.failure', outcome: 'failure', reasons: [code] });
      sendProblem(req, res, { status: 400, code, title: 'Sign-in failed', detail, requestId, action: ['Try again', `${prefix}login`] });
    };
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    const pending = state ? req.session.login?.[state] : undefined;
    if (typeof req.query.error === 'string') {
      return fail(`The identity provider refused the sign-in: ${String(req.query.error_description ?? req.query.error)}.`, 'idp-error');
    }
    if (!state || !pending) return fail('This sign-in link is missing its state or was already used. Start again.', 'login-state-mismatch');
    delete req.session.login![state];
    if (Date.now() - pending.startedAt > rt.config.oidc.loginTimeout) return fail('The sign-in took too long. Start again.', 'login-expired');
    let result;
    try {
      result = await rt.oidc.finishLogin(new URL(req.originalUrl, rt.publicOrigin), pending);
    } catch (err) {
      if (err instanceof ActasError && err.status === 400) return fail(err.message, 'login-rejected');
      throw err;
    }
    // A fresh session id at login: a fixated id never becomes an authenticated one.
    await new Promise<void>((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
    const now = Date.now();
    Object.assign(req.session, { user: result.user, tokens: result.tokens, loginAt: now, lastSeenAt: now });
    csrfToken(req.session);
    await events.onLogin?.(result.user, req);
    await audit(req, { type: 'login.success', outcome: 'success', sessionId: req.sessionID, actor: who(result.user), subject: who(result.user) });
    res.redirect(303, pending.returnTo);
  });

  router.get('/logout', (req, res) => {
    const user = req.session.user;
    if (!user) return void res.redirect(303, `${prefix}logged-out`);
    sendPage(res, {
      title: 'Sign out',
      body: html`<header class="top"><span class="brand">actas</span></header><main><div class="card"><h1>Sign out?</h1>
<p>You are signed in as <strong>${user.name ?? user.user}</strong> (${user.email ?? user.user}).</p>
<form method="post" action="${prefix}logout"><input type="hidden" name="csrf" value="${csrfToken(req.session)}">
<button type="submit">Sign out</button> <a href="/">Cancel</a></form></div></main>`,
    });
  });

  router.post('/logout', async (req, res) => {
    const problem = csrfProblem(req, req.session, req.body?.csrf, rt.publicOrigin);
    if (problem) {
      return sendProblem(req, res, { status: 403, code: problem, title: 'Request refused', detail: 'This sign-out request did not come from an actas page. Use the Sign out button.', requestId: scopeOf(req).requestId });
    }
    const user = req.session.user;
    const idToken = req.session.tokens?.idToken;
    const sessionId = req.sessionID;
    await events.onLogout?.(sessionId, req);
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    if (user) await audit(req, { type: 'logout', outcome: 'success', sessionId, actor: who(user), subject: who(user) });
    res.clearCookie(rt.sessions.cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: rt.publicOrigin.startsWith('https:') });
    const endSession = await rt.oidc.endSessionUrl(idToken, new URL(`${prefix}logged-out`, rt.publicOrigin).href).catch(() => undefined);
    res.redirect(303, endSession?.href ?? `${prefix}logged-out`);
  });

  router.get('/logged-out', (_req, res) => {
    sendPage(res, {
      title: 'Signed out',
      body: html`<header class="top"><span class="brand">actas</span></header><main><div class="card"><h1>You are signed out</h1>
<p><a class="button" href="${prefix}login">Sign in again</a></p></div></main>`,
    });
  });

  router.get('/whoami', (req, res) => {
    const s = req.session;
    if (!s.user) return void sendProblem(req, res, { status: 401, code: 'unauthenticated', title: 'Not signed in', detail: 'No session.', requestId: scopeOf(req).requestId });
    const imp = s.impersonation;
    res.set('cache-control', 'no-store').json({
      user: s.user.user, sub: s.user.sub, email: s.user.email, name: s.user.name, groups: s.user.groups,
      impersonation: imp ? {
        id: imp.id, target: { sub: imp.target.sub, user: imp.target.user, email: imp.target.email, name: imp.target.name, groups: imp.target.groups },
        reason: imp.reason, mode: imp.mode, rule: imp.rule, startedAt: new Date(imp.startedAt).toISOString(), expiresAt: new Date(imp.expiresAt).toISOString(),
      } : null,
    });
  });

  return router;
}
