// What changes in upstream responses while acting as someone: every response
// says so in X-Actas-Impersonating, and HTML pages get the banner.
import type { IncomingHttpHeaders } from 'node:http';
import type { Runtime } from '../runtime.ts';
import type { ResponseHook } from '../proxy/response.ts';
import { IMPERSONATING_HEADER, impersonatingHeaderValue, planBannerInjection } from '../banner/index.ts';
import { csrfToken } from '../auth/csrf.ts';

export function createImpersonationResponseHook(rt: Runtime): ResponseHook {
  // Absolute, so a page's <base href> cannot send the Stop button elsewhere.
  const releaseUrl = new URL(`${rt.config.prefix}release`, rt.publicOrigin).href;
  const consoleUrl = new URL(rt.config.prefix, rt.publicOrigin).href;
  return (x, _upstream, plan) => {
    const identity = x.scope.identity;
    const state = identity?.impersonation;
    if (!identity?.actor || !state) return;
    plan.headers[IMPERSONATING_HEADER] = impersonatingHeaderValue(identity.user.user);
    // The banner's Stop button needs a session (its CSRF token); service clients using a token have none.
    if (!x.scope.session) return;
    // The plan's headers: hop-by-hop already removed, cookie-jar names already applied.
    const injection = planBannerInjection(x.req.method ?? 'GET', plan.status, plan.headers as IncomingHttpHeaders, {
      target: { user: identity.user.user, name: identity.user.name, email: identity.user.email },
      actor: { user: identity.actor.user, name: identity.actor.name, email: identity.actor.email },
      reason: state.reason, mode: state.mode, expiresAt: state.expiresAt,
      csrfToken: csrfToken(x.scope.session), releaseUrl, consoleUrl,
      returnTo: x.req.url ?? '/',
    }, { requestHeaders: x.req.headers });
    if (!injection) return;
    plan.headers = injection.headers;
    plan.body = injection.transform;
  };
}
