// Maps IdP claims to actas's user identity using the configured claim names
// (dotted paths reach nested claims, e.g. "realm_access.roles").
import type { Config } from '../config/schema.ts';
import type { UserIdentity } from '../identity/types.ts';

type Claims = Record<string, unknown>;

function pick(claims: Claims, path: string): unknown {
  let value: unknown = claims;
  for (const key of path.split('.')) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Claims)[key];
  }
  return value;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** True when the claims lack something the mapping asks for (then userinfo is fetched). */
export function claimsIncomplete(config: Config, claims: Claims): boolean {
  const c = config.oidc.claims;
  return [c.user, c.email, c.groups, c.name].some((path) => pick(claims, path) === undefined);
}

/** Builds the user; `user` falls back to email, then sub, so it is never empty. */
export function mapClaims(config: Config, claims: Claims): UserIdentity {
  const c = config.oidc.claims;
  const sub = text(claims.sub);
  if (!sub) throw new Error('the ID token has no sub claim');
  const email = text(pick(claims, c.email));
  const rawGroups = pick(claims, c.groups);
  const groups = Array.isArray(rawGroups) ? rawGroups.filter((g): g is string => typeof g === 'string')
    : typeof rawGroups === 'string' ? rawGroups.split(/[\s,]+/).filter(Boolean) : [];
  const user: UserIdentity = { sub, user: text(pick(claims, c.user)) ?? email ?? sub, groups };
  if (email) user.email = email;
  const name = text(pick(claims, c.name));
  if (name) user.name = name;
  return user;
}
