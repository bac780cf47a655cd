// The claims of an actas access token (token exchange), both ways: what a
// grant is written as, and the grant read back from verified claims. A claim
// of the wrong shape makes the whole token unusable, never half-trusted.
import type { JWTPayload } from 'jose';
import type { UserIdentity } from '../identity/types.ts';
import type { Mode } from '../impersonation/types.ts';

/** RFC 8693 §3: the type of token the endpoint issues. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** One issued token: a service client acting as `target` under `rule`. Times are epoch ms. */
export interface AccessGrant {
  id: string;              // jti, and the impersonation id in the audit log and the active index
  clientId: string;
  target: UserIdentity;
  reason: string;
  mode: Mode;
  rule: string;
  /** Upstream names the token may reach; absent: all of them. */
  upstreams?: string[];
  issuedAt: number;
  expiresAt: number;
}

/** The actor as the audit log, the assertion and X-Impersonator name a service client. */
export function clientActor(clientId: string): { sub: string; user: string } {
  return { sub: `client:${clientId}`, user: clientId };
}

/** The claims to sign for a grant (the signer adds iss, aud and exp). */
export function accessTokenClaims(grant: AccessGrant): JWTPayload {
  const { target } = grant;
  return {
    sub: target.sub,
    user: target.user,
    email: target.email,
    name: target.name,
    groups: [...target.groups],
    client_id: grant.clientId,
    // RFC 8693 §4.1: the party acting, beside the subject acted as.
    act: clientActor(grant.clientId),
    actas: {
      reason: grant.reason, mode: grant.mode, rule: grant.rule, expires_at: Math.floor(grant.expiresAt / 1000),
      ...(grant.upstreams ? { upstreams: [...grant.upstreams] } : {}),
    },
    jti: grant.id,
    iat: Math.floor(grant.issuedAt / 1000),
  };
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isOptional = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The grant in verified claims, or undefined when any claim is missing or malformed. */
export function grantFromClaims(claims: JWTPayload): AccessGrant | undefined {
  const { sub, user, email, name, groups, client_id: clientId, act, actas, jti, iat, exp } = claims as Record<string, unknown>;
  if (!isString(sub) || !isString(user) || !isOptional(email) || !isOptional(name) || !isStrings(groups)) return undefined;
  if (!isString(clientId) || !isString(jti) || typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  const a = act as Record<string, unknown> | undefined;
  if (!a || a.sub !== clientActor(clientId).sub) return undefined;
  const s = actas as Record<string, unknown> | undefined;
  if (!s || !isString(s.reason) || !isString(s.rule) || (s.mode !== 'read-only' && s.mode !== 'full')) return undefined;
  if (s.upstreams !== undefined && !isStrings(s.upstreams)) return undefined;
  const target: UserIdentity = { sub, user, groups: [...groups], ...(email ? { email } : {}), ...(name ? { name } : {}) };
  return {
    id: jti, clientId, target, reason: s.reason, mode: s.mode, rule: s.rule,
    ...(s.upstreams ? { upstreams: [...(s.upstreams as string[])] } : {}),
    issuedAt: iat * 1000, expiresAt: exp * 1000,
  };
}
