// Stage: a service client's actas access token (Authorization: Bearer, from
// POST <prefix>token) becomes the same identity an operator acting as the
// user has, so access, the impersonation guards, injection and the audit
// apply unchanged. A token is refused when it is invalid, expired, revoked,
// meant for another upstream or no longer allowed by policy; it is never
// forwarded, and never combined with a signed-in session.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt } from 'jose';
import type { Exchange, Stage, StageResult } from '../stage.ts';
import { DONE, NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import type { AssertionSigner } from '../headers/assertion.ts';
import type { Policy } from '../impersonation/policy.ts';
import type { ActiveIndex, Directory, Mode } from '../impersonation/types.ts';
import type { UserIdentity } from '../identity/types.ts';
import type { SocketRegistry } from '../proxy/websockets.ts';
import { decideForClient } from '../impersonation/client-policy.ts';
import { clientActor, grantFromClaims, type AccessGrant } from './access-token.ts';

export interface BearerDeps {
  signer: Pick<AssertionSigner, 'verifyAccessToken' | 'accessTokenAudience'>;
  policy: Policy;
  directory: Directory;
  active: ActiveIndex;
  sockets: SocketRegistry;
}

type Refusal = 'token-invalid' | 'token-expired' | 'token-revoked' | 'wrong-upstream' | 'no-longer-allowed';

const DESCRIPTIONS: Record<Refusal, string> = {
  'token-invalid': 'The access token is not valid.',
  'token-expired': 'The access token has expired.',
  'token-revoked': 'The access token was revoked.',
  'wrong-upstream': 'The access token is not valid for this application.',
  'no-longer-allowed': 'Policy no longer lets this client act as this user.',
};

/** The token of an `Authorization: Bearer` header (RFC 6750 §2.1), or undefined for any other header. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : header !== undefined && /^bearer\s*$/i.test(header) ? '' : undefined;
}

/** RFC 6750 §3: the JSON error and a WWW-Authenticate header naming it. */
function sendBearerError(req: IncomingMessage, res: ServerResponse, status: number, error: string, description: string, requestId: string): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ error, error_description: description, requestId });
  res.writeHead(status, {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store',
    'www-authenticate': `Bearer realm="actas", error="${error}", error_description="${description}"`,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Builds the bearer stage. It goes right after the session is loaded (before
 * the session's identity is resolved): a request with a signed-in session and
 * an actas token is refused with 400, so identities never mix.
 */
export function createBearerResolver(rt: Runtime, deps: BearerDeps): Stage {
  const { signer, policy, directory, active, sockets } = deps;
  const log = rt.logger.child({ component: 'bearer' });
  const issuer = rt.config.publicUrl.replace(/\/+$/, '');
  const isPrivileged = (u: UserIdentity) => policy.canImpersonateSomeone(u);

  /**
   * Claims to be one of ours (unverified: it only decides, beside a session,
   * between refusing the request and leaving the application's own token alone).
   */
  function claimsToBeOurs(token: string): boolean {
    try {
      const claims = decodeJwt(token);
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      return claims.iss === issuer && aud.includes(signer.accessTokenAudience);
    } catch {
      return false;
    }
  }

  async function check(token: string, upstream: string | undefined): Promise<{ grant: AccessGrant; user: UserIdentity; mode: Mode } | Refusal> {
    let grant: AccessGrant | undefined;
    try {
      grant = grantFromClaims(await signer.verifyAccessToken(token));
    } catch (err) {
      return (err as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'token-expired' : 'token-invalid';
    }
    if (!grant || grant.expiresAt <= Date.now()) return grant ? 'token-expired' : 'token-invalid';
    if (grant.upstreams && (upstream === undefined || !grant.upstreams.includes(upstream))) return 'wrong-upstream';
    // Listed and not revoked: an auditor's revocation (or a lost index) ends the token on every replica.
    const [entry, revoked] = await Promise.all([active.get(grant.id), active.isRevoked(grant.id)]);
    if (!entry || revoked) return 'token-revoked';
    if (!rt.config.clients.some((c) => c.id === grant.clientId)) return 'no-longer-allowed';
    const current = await directory.get(grant.target.sub);
    const decision = decideForClient(rt.config, grant.clientId, current ?? grant.target, isPrivileged);
    if (!decision.allow) return 'no-longer-allowed';
    const user: UserIdentity = current
      ? { sub: current.sub, user: current.user, groups: [...current.groups], ...(current.email ? { email: current.email } : {}), ...(current.name ? { name: current.name } : {}) }
      : grant.target;
    // The stricter of the mode issued and the mode the rules give today.
    const mode: Mode = grant.mode === 'read-only' || decision.mode === 'read-only' ? 'read-only' : 'full';
    return { grant, user, mode };
  }

  return async function resolveBearer(x: Exchange): Promise<StageResult> {
    const { req, scope } = x;
    const token = bearerTokenOf(req.headers.authorization);
    if (token === undefined) return NEXT;
    const ours = token !== '' && claimsToBeOurs(token);
    if (scope.isPublic) {
      if (ours) delete req.headers.authorization;
      return NEXT;
    }
    if (scope.session?.user) {
      if (!ours) return NEXT; // the application's own bearer token, sent by a signed-in user: not actas's business
      sendBearerError(req, x.res, 400, 'invalid_request', 'Send a session cookie or an actas access token, not both.', scope.requestId);
      return DONE;
    }
    // From here the header is actas's to judge, so it never travels on.
    delete req.headers.authorization;
    const result = await check(token, scope.upstream?.name);
    if (typeof result === 'string') {
      log.info({ requestId: scope.requestId, why: result }, 'access token refused');
      sendBearerError(req, x.res, 401, 'invalid_token', DESCRIPTIONS[result], scope.requestId);
      return DONE;
    }
    const { grant, user, mode } = result;
    scope.identity = {
      user,
      actor: { ...clientActor(grant.clientId), groups: [] },
      impersonation: { id: grant.id, target: user, reason: grant.reason, mode, rule: grant.rule, startedAt: grant.issuedAt, expiresAt: grant.expiresAt },
    };
    detachSession(x);
    // Tagged with the token's id, so revocation and expiry close its websockets too.
    if (x.upgrade) sockets.add(`client:${grant.clientId}`, x.upgrade.socket, grant.id);
    return NEXT;
  };
}

/**
 * A token request has no session: express-session created an empty one for
 * it; removing it (and its id) keeps it unsaved, without a cookie, and out of
 * the assertion's `sid` and the audit's sessionId.
 */
function detachSession(x: Exchange): void {
  x.scope.session = undefined;
  const req = x.req as IncomingMessage & { session?: unknown; sessionID?: string };
  delete req.session;
  delete req.sessionID;
}
