// The signed identity assertion (X-Actas-Jwt-Assertion): one short-lived JWT
// per (session, upstream, identity), signed with the first configured key and
// reused until half its lifetime has passed. While reused, `jti` and `iat`
// repeat: the `jti` names the token, not the request. The same keys sign the
// access tokens of token exchange (`typ: at+jwt`, aud = actas itself), which
// can therefore never pass as an assertion, nor an assertion as one of them.
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { SignJWT, createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { Counter } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../ops/logger.ts';
import type { EffectiveIdentity } from '../identity/types.ts';
import { ConfigError } from '../errors.ts';
import { registry } from '../ops/metrics.ts';
import { generateEphemeralKey, loadKeyFiles, type AssertionAlg, type AssertionKey } from './keys.ts';

export interface AssertionSigner {
  /** Signed JWT for this request: cached per (session hash, audience, identity) until shortly before expiry. */
  sign(identity: EffectiveIdentity, audience: string, sessionId: string | undefined): Promise<string>;
  /**
   * Signs an actas access token (token exchange): header `typ: at+jwt`,
   * `iss` = publicUrl, `aud` = accessTokenAudience, `exp` from `expiresAt`
   * (epoch ms). `claims` must carry a `jti`; an `iat` in it is kept.
   */
  signAccessToken(claims: JWTPayload, expiresAt: number): Promise<string>;
  /**
   * Verifies an actas access token against every configured key: signature,
   * `typ`, `iss`, `aud` and `exp`. Resolves with its claims; rejects with
   * jose's errors (`code` ERR_JWT_EXPIRED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED, …).
   */
  verifyAccessToken(token: string): Promise<JWTPayload>;
  /** `aud` of access tokens: publicUrl + prefix, never an upstream's name. */
  readonly accessTokenAudience: string;
  /** Public keys, the signing one first. */
  readonly jwks: { keys: JWK[] };
  /** `kid` and `alg` of the signing key. */
  readonly kid: string;
  readonly alg: AssertionAlg;
}

export interface AssertionSignerOptions {
  /** With no key configured, sign with a generated in-memory key (the demo) instead of refusing. */
  allowEphemeral?: boolean;
  /** Current time in epoch ms; tests move it to check expiry and reuse. */
  clock?: () => number;
}

const tokensCounter = new Counter({
  name: 'actas_assertion_tokens_total',
  help: 'Identity assertions attached to proxied requests, by whether the token was freshly signed or reused',
  labelNames: ['source'] as const,
  registers: [registry],
});
const tokens = { signed: tokensCounter.labels('signed'), reused: tokensCounter.labels('reused') };

/**
 * A stable, non-reversible name for a session id: base64url of the first 16
 * bytes of an HMAC-SHA-256 keyed from the (first) session secret. The key is
 * derived under its own label, so it is never the cookie-signing secret itself.
 */
export function createSessionHasher(secret: string | readonly string[]): (sessionId: string) => string {
  const first = typeof secret === 'string' ? secret : secret[0];
  if (!first) throw new TypeError('a session secret is required');
  // A KeyObject, not a Buffer: createHmac would import a raw key on every call.
  const key = createSecretKey(createHmac('sha256', first).update('actas session id hash v1').digest());
  return (sessionId) => createHmac('sha256', key).update(sessionId).digest().subarray(0, 16).toString('base64url');
}

/** A bounded cache in front of a pure function (the oldest entry goes first). */
function memoize(fn: (input: string) => string, max: number): (input: string) => string {
  const cache = new Map<string, string>();
  return (input) => {
    let out = cache.get(input);
    if (out === undefined) {
      out = fn(input);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(input, out);
    }
    return out;
  };
}

/** The claims that depend on who and where, without the time-dependent ones. */
function identityClaims(issuer: string, identity: EffectiveIdentity, audience: string, sid: string | undefined): JWTPayload {
  const { user, actor, impersonation } = identity;
  const claims: JWTPayload = {
    iss: issuer,
    aud: audience,
    sub: user.sub,
    user: user.user,
    email: user.email,
    groups: [...user.groups],
    name: user.name,
    sid,
  };
  // RFC 8693 section 4.1: the party acting, beside the subject acted as.
  if (actor) claims.act = { sub: actor.sub, user: actor.user, email: actor.email };
  if (impersonation) {
    claims.actas = { reason: impersonation.reason, mode: impersonation.mode, expires_at: Math.floor(impersonation.expiresAt / 1000) };
  }
  return claims;
}

async function resolveKeys(config: Config, log: Logger, allowEphemeral: boolean): Promise<AssertionKey[]> {
  const { keys: files, alg } = config.identity.assertion;
  if (files.length === 0) {
    if (!allowEphemeral) {
      throw new ConfigError(['identity.assertion.keys: no signing key configured; create one with "actas keygen --alg ES256 --out FILE" and list it here, or set identity.assertion.enabled: false']);
    }
    const key = await generateEphemeralKey(alg ?? 'ES256');
    log.warn({ kid: key.kid, alg: key.alg }, 'identity.assertion.keys is empty: signing assertions with an ephemeral key that changes on every restart');
    return [key];
  }
  const loaded = await loadKeyFiles(files, alg);
  if (loaded.problems.length) throw new ConfigError(loaded.problems);
  for (const warning of loaded.warnings) log.warn(warning);
  return loaded.keys;
}

interface CachedToken { token: Promise<string>; iat: number; exp: number }

function freeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) freeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Creates the assertion signer, or returns undefined when
 * `identity.assertion.enabled` is false. Throws a ConfigError naming
 * `identity.assertion.keys` when no key is configured (unless
 * `allowEphemeral`), or `identity.assertion.keys[i]` for a file that cannot be
 * read or used.
 */
export async function createAssertionSigner(config: Config, logger: Logger, options: AssertionSignerOptions = {}): Promise<AssertionSigner | undefined> {
  const settings = config.identity.assertion;
  if (!settings.enabled) return undefined;
  const log = logger.child({ component: 'assertion' });
  const keys = await resolveKeys(config, log, options.allowEphemeral ?? false);
  const signing = keys[0]!;
  const privateKey = signing.privateKey!;
  const issuer = config.publicUrl.replace(/\/+$/, '');
  const hashSession = memoize(createSessionHasher(config.session.secret), 10_000);
  const ttlSec = Math.max(1, Math.floor(settings.ttl / 1000));
  const now = options.clock ?? Date.now;
  const maxEntries = settings.cacheSize;
  const cache = new Map<string, CachedToken>();
  log.info({ kid: signing.kid, alg: signing.alg, published: keys.map((k) => k.kid) }, 'identity assertion keys loaded');

  function issue(claims: JWTPayload, iat: number, exp: number): Promise<string> {
    return new SignJWT({ ...claims, iat, exp, jti: randomBytes(16).toString('base64url') })
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: 'JWT' })
      .sign(privateKey);
  }

  async function sign(identity: EffectiveIdentity, audience: string, sessionId: string | undefined): Promise<string> {
    const claims = identityClaims(issuer, identity, audience, sessionId === undefined ? undefined : hashSession(sessionId));
    const nowMs = now();
    const iat = Math.floor(nowMs / 1000);
    // Never outlive the impersonation it describes.
    const impersonationEnd = (claims.actas as { expires_at: number } | undefined)?.expires_at;
    const exp = impersonationEnd === undefined ? iat + ttlSec : Math.min(iat + ttlSec, impersonationEnd);
    if (maxEntries === 0) {
      tokens.signed.inc();
      return issue(claims, iat, exp);
    }
    // Every claim except iat/exp/jti is in the key, so any change of identity,
    // groups, audience, session or impersonation signs a new token.
    // The JSON itself is the key: a Map hashes a string faster than SHA-256 does.
    const key = JSON.stringify(claims);
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      if (hit.exp * 1000 - nowMs > ((hit.exp - hit.iat) * 1000) / 2) {
        cache.set(key, hit); // most recently used goes last
        tokens.reused.inc();
        return hit.token;
      }
    }
    // The promise is cached, so concurrent requests of one session share one signature.
    const entry: CachedToken = { token: issue(claims, iat, exp), iat, exp };
    cache.set(key, entry);
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    entry.token.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
    tokens.signed.inc();
    return entry.token;
  }

  const accessTokenAudience = `${issuer}${config.prefix}`;
  // Retired (publish-only) keys still verify, so a rotation does not cut off tokens already issued.
  const verificationKeys = createLocalJWKSet({ keys: keys.map((k) => ({ ...k.publicJwk })) });
  const algorithms = [...new Set(keys.map((k) => k.alg))];

  async function signAccessToken(claims: JWTPayload, expiresAt: number): Promise<string> {
    if (typeof claims.jti !== 'string' || claims.jti === '') throw new TypeError('an access token needs a jti');
    const iat = typeof claims.iat === 'number' ? claims.iat : Math.floor(now() / 1000);
    return new SignJWT({ ...claims, iss: issuer, aud: accessTokenAudience, iat, exp: Math.floor(expiresAt / 1000) })
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: 'at+jwt' })
      .sign(privateKey);
  }

  async function verifyAccessToken(token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, verificationKeys, {
      issuer, audience: accessTokenAudience, typ: 'at+jwt', algorithms,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'], currentDate: new Date(now()), clockTolerance: 0,
    });
    return payload;
  }

  return {
    sign,
    signAccessToken,
    verifyAccessToken,
    accessTokenAudience,
    jwks: freeze({ keys: keys.map((k) => ({ ...k.publicJwk })) }),
    kid: signing.kid,
    alg: signing.alg,
  };
}
