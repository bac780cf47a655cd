// POST <prefix>token: OAuth 2.0 Token Exchange (RFC 8693) for service
// clients. The client authenticates itself (no cookie, no CSRF) and names the
// user to act as and why; policy decides as for an operator; the audit event
// is written before the token is handed out (no audit, no token), and the
// token joins the active impersonations, where auditors can revoke it.
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { Counter } from 'prom-client';
import type { Runtime } from '../runtime.ts';
import type { AssertionSigner } from '../headers/assertion.ts';
import type { Policy } from '../impersonation/policy.ts';
import type { ActiveIndex, Directory, DirectoryEntry } from '../impersonation/types.ts';
import type { UserIdentity } from '../identity/types.ts';
import { decideForClient } from '../impersonation/client-policy.ts';
import { registry } from '../ops/metrics.ts';
import { scopeOf } from '../scope.ts';
import { ACCESS_TOKEN_TYPE, accessTokenClaims, clientActor, type AccessGrant } from './access-token.ts';
import { authenticateClient } from './client-auth.ts';
import { formParams, param, repeatedParam } from './form-params.ts';
import { oauthError, sendOAuthError, type OAuthError } from './oauth-error.ts';
import { parseTokenExchange } from './token-request.ts';

export interface TokenExchangeDeps {
  rt: Runtime;
  signer: AssertionSigner;
  policy: Policy;
  directory: Directory;
  active: ActiveIndex;
}

const results = new Counter({
  name: 'actas_token_exchange_total',
  help: 'Token exchange requests, by result: issued, or the OAuth error code',
  labelNames: ['result'] as const,
  registers: [registry],
});

type Principal = { sub: string; user: string; email?: string };
const who = (u: Principal): Principal => ({ sub: u.sub, user: u.user, ...(u.email ? { email: u.email } : {}) });

/** A directory entry as the identity a token carries (no directory bookkeeping). */
function identityOf(entry: DirectoryEntry): UserIdentity {
  return { sub: entry.sub, user: entry.user, groups: [...entry.groups], ...(entry.email ? { email: entry.email } : {}), ...(entry.name ? { name: entry.name } : {}) };
}

/** The router with `POST /token`, to mount under the prefix beside the other reserved routers. */
export function createTokenExchangeRouter(deps: TokenExchangeDeps): Router {
  const { rt, signer, policy, directory, active } = deps;
  const log = rt.logger.child({ component: 'token-exchange' });
  const defaultLifetime = Math.floor(rt.config.tokenExchange.defaultExpiresIn / 1000);
  const router = Router();

  async function exchange(req: Request, res: Response): Promise<void> {
    const scope = scopeOf(req);
    const base = { requestId: scope.requestId, ip: scope.clientIp, userAgent: req.headers['user-agent'] };
    const refuse = async (err: OAuthError, clientId?: string, subject?: Principal, reason?: string): Promise<void> => {
      results.inc({ result: err.error });
      await rt.audit.record({
        ...base, type: 'impersonation.denied', outcome: err.error === 'invalid_client' ? 'failure' : 'denied',
        ...(clientId ? { actor: clientActor(clientId) } : {}), ...(subject ? { subject } : {}), ...(reason ? { reason } : {}), reasons: err.reasons,
      }).catch(() => undefined);
      sendOAuthError(res, err, scope.requestId);
    };

    if (!req.is('application/x-www-form-urlencoded')) {
      return refuse(oauthError('invalid_request', 'The body must be application/x-www-form-urlencoded.', 'not-form-encoded'));
    }
    const params = formParams(req.body);
    const repeated = repeatedParam(params);
    if (repeated) return refuse(oauthError('invalid_request', `${repeated} was sent more than once.`, 'parameter-repeated'));
    const auth = authenticateClient(req, params, rt.config.clients);
    if (!auth.ok) return refuse(auth.error, auth.claimedId);
    const { clientId } = auth;
    const asked = param(params, 'requested_subject');
    const parsed = parseTokenExchange(params, rt.config);
    if (!parsed.ok) return refuse(parsed.error, clientId, asked ? { sub: asked, user: asked } : undefined, param(params, 'reason'));
    const { subject, reason, audience, expiresIn } = parsed.request;

    const target = await directory.get(subject);
    const decision = decideForClient(rt.config, clientId, target, (u) => policy.canImpersonateSomeone(u));
    // Only name the target in the log when the answer already says they exist.
    const named = target && decision.reasons[0] !== 'unknown-or-forbidden-target' ? who(target) : { sub: subject, user: subject };
    if (!decision.allow) {
      const err = decision.reasons[0] === 'not-allowed'
        ? oauthError('unauthorized_client', 'No impersonation rule names this client.', ...decision.reasons)
        : oauthError('access_denied', `Policy does not let this client act as this user (${decision.reasons.join(', ')}).`, ...decision.reasons);
      return refuse(err, clientId, named, reason);
    }
    const lifetime = Math.min(expiresIn ?? defaultLifetime, Math.floor(decision.maxDuration / 1000));
    if (lifetime < 1) return refuse(oauthError('access_denied', 'The rule allows no lifetime.', 'duration-too-long'), clientId, named, reason);

    const iat = Math.floor(Date.now() / 1000);
    const grant: AccessGrant = {
      id: randomUUID(), clientId, target: identityOf(target!), reason, mode: decision.mode, rule: decision.rule!,
      ...(audience ? { upstreams: audience } : {}), issuedAt: iat * 1000, expiresAt: (iat + lifetime) * 1000,
    };
    const token = await signer.signAccessToken(accessTokenClaims(grant), grant.expiresAt);
    const unavailable = (why: string, code: string, err: unknown) => {
      log.error({ requestId: scope.requestId, client: clientId, err: { message: (err as Error).message } }, `${why}; no token issued`);
      results.inc({ result: 'temporarily_unavailable' });
      sendOAuthError(res, oauthError('temporarily_unavailable', 'actas cannot record this right now, so no token was issued. Try again shortly.', code), scope.requestId);
    };
    // Written before the token leaves: if no required sink accepts it, there is no token.
    try {
      await rt.audit.record({
        ...base, type: 'impersonation.start', outcome: 'success', actor: clientActor(clientId), subject: who(grant.target),
        reason, mode: grant.mode, expiresAt: grant.expiresAt, impersonationId: grant.id, reasons: ['token-exchange'],
        ...(audience ? { upstream: audience.join(',') } : {}),
      });
    } catch (err) {
      return unavailable('audit refused impersonation.start', 'audit-unavailable', err);
    }
    try {
      await active.add({
        id: grant.id, sessionKey: `client:${clientId}`, reason, mode: grant.mode, rule: grant.rule, startedAt: grant.issuedAt, expiresAt: grant.expiresAt,
        actor: clientActor(clientId),
        target: { sub: grant.target.sub, user: grant.target.user, email: grant.target.email, name: grant.target.name },
      });
    } catch (err) {
      return unavailable('active index unavailable', 'store-unavailable', err);
    }
    results.inc({ result: 'issued' });
    log.info({ requestId: scope.requestId, client: clientId, target: grant.target.user, id: grant.id, expiresIn: lifetime }, 'access token issued');
    res.status(200).set({ 'cache-control': 'no-store', pragma: 'no-cache' })
      .json({ access_token: token, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: lifetime });
  }

  router.post('/token', exchange);
  router.all('/token', (_req, res) => {
    res.status(405).set({ allow: 'POST', 'cache-control': 'no-store' }).json({ error: 'invalid_request', error_description: 'The token endpoint accepts POST only.' });
  });
  return router;
}
