// Verifies an actas identity assertion the way an upstream should: signature
// against the published JWK Set (fetched, cached, refetched on an unknown kid),
// issuer, audience, expiry, and an allow-list of asymmetric algorithms only.
import type { IncomingHttpHeaders } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AssertionInvalidError, AssertionKeysUnavailableError, AssertionMissingError } from './errors.ts';

/** The algorithms actas signs with; `none` and HS* can never be allowed. */
export const ASSERTION_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'] as const;
export type AssertionAlgorithm = (typeof ASSERTION_ALGORITHMS)[number];

export interface AssertionVerifierOptions {
  /** Where actas publishes its keys, e.g. https://actas.example.org/.well-known/actas/jwks.json */
  jwksUrl: string | URL;
  /** actas's public URL (the `iss` claim); a trailing slash is ignored. */
  issuer: string;
  /** This upstream's name in the actas config (the `aud` claim). */
  audience: string | string[];
  /** Header that carries the token; default X-Actas-Jwt-Assertion. */
  header?: string;
  /** Clock skew tolerated on exp/iat, in seconds; default 5. */
  clockToleranceSec?: number;
  /** Accepted algorithms, a subset of ES256, RS256, EdDSA; default all three. */
  algorithms?: AssertionAlgorithm[];
  /** Minimum ms between refetches triggered by an unknown kid; default 30 s. */
  cooldownDuration?: number;
  /** Ms after which the cached JWK Set is fetched again (a removed key stops verifying); default 10 min. */
  cacheMaxAge?: number;
  /** JWK Set fetch timeout in ms; default 5 s. */
  timeoutDuration?: number;
}

/** Who the upstream is serving, as actas asserted it. */
export interface AssertionIdentity {
  sub: string;
  user: string;
  email?: string;
  groups: string[];
  name?: string;
  /** The real operator, present only while they act as `user`. */
  actor?: { sub: string; user: string; email?: string };
  /** Present only while impersonating; `expiresAt` is epoch ms (the claim carries seconds). */
  impersonation?: { reason: string; mode: 'read-only' | 'full'; expiresAt: number };
  /** Hash of the actas session id (stable per session, reveals nothing). */
  sessionHash?: string;
  /** The verified claims as signed. */
  claims: JWTPayload;
}

/** A token, a headers object (node or fetch), or anything with `.headers` (a request). */
export type AssertionSource =
  | string
  | IncomingHttpHeaders
  | Headers
  | { headers: IncomingHttpHeaders | Headers };

export interface AssertionVerifier {
  /** Verifies the assertion; throws AssertionMissingError, AssertionInvalidError or AssertionKeysUnavailableError. */
  verify(source: AssertionSource): Promise<AssertionIdentity>;
  /** Fetches the JWK Set now, ignoring cache age and cooldown. */
  reload(): Promise<void>;
  /** The header name read from headers. */
  readonly header: string;
}

// Errors from the key resolver that are the token's fault (it names a key or
// algorithm the set does not hold); anything else there means no keys at all.
const TOKEN_KEY_ERRORS = [errors.JWKSNoMatchingKey, errors.JWKSMultipleMatchingKeys, errors.JOSENotSupported];

function headerValue(source: Exclude<AssertionSource, string>, header: string): string | string[] | undefined {
  const headers = 'headers' in source && typeof source.headers === 'object' && source.headers !== null
    ? (source.headers as IncomingHttpHeaders | Headers)
    : (source as IncomingHttpHeaders | Headers);
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(header) ?? undefined;
  const record = headers as IncomingHttpHeaders;
  const lower = header.toLowerCase();
  if (lower in record) return record[lower];
  const name = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return name === undefined ? undefined : record[name];
}

function tokenFrom(source: AssertionSource, header: string): string {
  const value = typeof source === 'string' ? source : headerValue(source, header);
  // Two copies of the header mean someone added one on the way: trust neither.
  if (Array.isArray(value)) {
    if (value.length > 1) throw new AssertionInvalidError('duplicate-header', `more than one ${header} header`);
    return tokenFrom(value[0] ?? '', header);
  }
  const token = value?.trim();
  if (!token) throw new AssertionMissingError(header);
  return token;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isOptionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Maps verified claims to the identity; throws when a claim has the wrong shape. */
function identityFrom(claims: JWTPayload): AssertionIdentity {
  const bad = (claim: string): never => {
    throw new AssertionInvalidError('malformed-claims', `claim "${claim}" is missing or has the wrong type`);
  };
  const { sub, user, email, groups, name, sid, act, actas } = claims as Record<string, unknown>;
  if (!isString(sub) || sub === '') bad('sub');
  if (!isString(user) || user === '') bad('user');
  if (!isOptionalString(email)) bad('email');
  if (!isOptionalString(name)) bad('name');
  if (!isOptionalString(sid)) bad('sid');
  if (!Array.isArray(groups) || !groups.every(isString)) bad('groups');
  const identity: AssertionIdentity = { sub: sub as string, user: user as string, groups: [...(groups as string[])], claims };
  if (email !== undefined) identity.email = email as string;
  if (name !== undefined) identity.name = name as string;
  if (sid !== undefined) identity.sessionHash = sid as string;
  if (act !== undefined) {
    if (!isObject(act) || !isString(act.sub) || !isString(act.user) || !isOptionalString(act.email)) bad('act');
    const a = act as { sub: string; user: string; email?: string };
    identity.actor = { sub: a.sub, user: a.user, ...(a.email === undefined ? {} : { email: a.email }) };
  }
  if (actas !== undefined) {
    if (!isObject(actas) || !isString(actas.reason) || (actas.mode !== 'read-only' && actas.mode !== 'full') || typeof actas.expires_at !== 'number') bad('actas');
    const s = actas as { reason: string; mode: 'read-only' | 'full'; expires_at: number };
    identity.impersonation = { reason: s.reason, mode: s.mode, expiresAt: s.expires_at * 1000 };
  }
  return identity;
}

/**
 * Creates a verifier for actas assertions. Keys come from `jwksUrl` through
 * jose's createRemoteJWKSet: cached for `cacheMaxAge`, refetched when a token
 * names an unknown kid (at most once per `cooldownDuration`).
 */
export function createAssertionVerifier(options: AssertionVerifierOptions): AssertionVerifier {
  const algorithms = options.algorithms ?? [...ASSERTION_ALGORITHMS];
  const unknown = algorithms.filter((a) => !(ASSERTION_ALGORITHMS as readonly string[]).includes(a));
  if (algorithms.length === 0 || unknown.length) {
    throw new TypeError(`algorithms must be a non-empty subset of ${ASSERTION_ALGORITHMS.join(', ')}${unknown.length ? ` (not ${unknown.join(', ')})` : ''}`);
  }
  if (!options.issuer) throw new TypeError('issuer is required');
  if (!options.audience || (Array.isArray(options.audience) && options.audience.length === 0)) throw new TypeError('audience is required');
  const header = options.header ?? 'X-Actas-Jwt-Assertion';
  const issuer = options.issuer.replace(/\/+$/, '');
  const remote = createRemoteJWKSet(new URL(options.jwksUrl), {
    ...(options.cooldownDuration === undefined ? {} : { cooldownDuration: options.cooldownDuration }),
    ...(options.cacheMaxAge === undefined ? {} : { cacheMaxAge: options.cacheMaxAge }),
    ...(options.timeoutDuration === undefined ? {} : { timeoutDuration: options.timeoutDuration }),
  });
  const getKey: JWTVerifyGetKey = async (protectedHeader, token) => {
    try {
      return await remote(protectedHeader, token);
    } catch (err) {
      if (TOKEN_KEY_ERRORS.some((type) => err instanceof type)) throw err;
      throw new AssertionKeysUnavailableError(err);
    }
  };
  const verifyOptions = {
    issuer,
    audience: options.audience,
    algorithms,
    clockTolerance: options.clockToleranceSec ?? 5,
    requiredClaims: ['sub', 'iat', 'exp'],
  };

  return {
    header,
    reload: () => remote.reload(),
    async verify(source) {
      const token = tokenFrom(source, header);
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, getKey, verifyOptions));
      } catch (err) {
        if (err instanceof AssertionKeysUnavailableError) throw err;
        const code = (err as { code?: unknown }).code;
        throw new AssertionInvalidError(typeof code === 'string' ? code : 'unverifiable', (err as Error).message, err);
      }
      return identityFrom(claims);
    },
  };
}
