// The one config schema: every option, its default and what it means, in one
// place. Unknown keys are mistakes (a typo must not silently mean "default").
// Durations accept "90s", "30m", "12h", "7d" or milliseconds.
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration in milliseconds, written as "30m" or a number of ms. */
export const duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(DURATION, 'expected a duration such as "90s", "30m" or "12h"'),
]).transform((v) => {
  if (typeof v === 'number') return v;
  const [, n, unit] = DURATION.exec(v)!;
  return Math.round(Number(n) * UNIT_MS[unit!]!);
});

const nonEmpty = z.string().min(1, 'must not be empty');
const names = z.array(nonEmpty).default([]);
const absolutePath = z.string().regex(/^\/[^\s]*$/, 'expected a path starting with "/"');

/** Who a rule or allow-list names. Empty lists name nobody. */
const principalFields = {
  users: names,            // usernames (the `user` claim), compared exactly
  subs: names,             // immutable subject identifiers
  groups: names,
  emailDomains: names,     // "example.org" matches user@example.org only
};
const principals = z.strictObject(principalFields).prefault({});

const upstream = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  match: z.strictObject({
    pathPrefix: absolutePath.optional(),
    host: nonEmpty.optional(),          // exact Host (without port), case-insensitive
  }).prefault({}),
  websocket: z.boolean().default(true),
  cookieJar: z.enum(['shared', 'per-identity']).default('shared'),
  timeout: duration.default(60_000),        // whole response must start within this
  connectTimeout: duration.default(5_000),
  preserveHost: z.boolean().default(false), // forward the client's Host instead of the upstream's
});

const assertionKeyFile = nonEmpty;

const auditSink = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('file'),
    path: nonEmpty,
    maxBytes: z.number().int().positive().default(100 * 1024 * 1024), // rotate past this size
    required: z.boolean().default(true),
  }),
  z.strictObject({ type: z.literal('stdout'), required: z.boolean().default(false) }),
  z.strictObject({
    type: z.literal('redis-stream'),
    url: nonEmpty.optional(),            // defaults to session.redis.url
    stream: nonEmpty.default('actas:audit'),
    maxLen: z.number().int().positive().default(1_000_000),
    required: z.boolean().default(true),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    headers: z.record(z.string(), z.string()).default({}),
    batchSize: z.number().int().positive().default(100),
    flushInterval: duration.default(1_000),
    maxRetryDelay: duration.default(60_000),
    required: z.boolean().default(false),
  }),
]);

const rule = z.strictObject({
  name: nonEmpty,
  actors: z.strictObject({ users: names, subs: names, groups: names, clients: names }).prefault({}),
  targets: z.strictObject({ users: names, subs: names, groups: names, all: z.boolean().default(false) }).prefault({}),
  except: z.strictObject({ users: names, subs: names, groups: names }).prefault({}),
  maxDuration: duration.default(30 * 60_000),
  mode: z.enum(['read-only', 'full']).default('read-only'),
  // Acting as someone who may themselves impersonate is refused unless this is set.
  allowPrivilegedTargets: z.boolean().default(false),
});

export const configSchema = z.strictObject({
  listen: z.strictObject({
    host: nonEmpty.default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
  }).prefault({}),
  /** Origin users see; the OIDC callback is publicUrl + prefix + /callback. */
  publicUrl: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  /** Reserved route prefix, never forwarded upstream. */
  prefix: z.string().regex(/^\/[A-Za-z0-9._-]+\/$/, 'expected a path like "/.actas/"').default('/.actas/'),
  /** Trust X-Forwarded-For/Proto from this many proxies in front of actas (0: none). */
  trustProxyHops: z.number().int().min(0).default(0),
  oidc: z.strictObject({
    issuer: z.url({ protocol: /^https?$/ }),
    clientId: nonEmpty,
    clientSecret: z.string().optional(),   // absent: a public client (PKCE only)
    scopes: z.array(nonEmpty).default(['openid', 'profile', 'email']),
    claims: z.strictObject({
      user: nonEmpty.default('preferred_username'),
      email: nonEmpty.default('email'),
      groups: nonEmpty.default('groups'),
      name: nonEmpty.default('name'),
    }).prefault({}),
    /** Refresh the tokens this long before the access token expires. */
    refreshBefore: duration.default(60_000),
    /** Call the IdP's end-session endpoint on logout when it has one. */
    rpInitiatedLogout: z.boolean().default(true),
    /** Allow plain-http issuers (only sensible on loopback or in tests). */
    allowInsecureIssuer: z.boolean().default(false),
    loginTimeout: duration.default(10 * 60_000), // how long a started login may take
  }),
  session: z.strictObject({
    secret: z.union([nonEmpty, z.array(nonEmpty).min(1)]).refine(
      (s) => (Array.isArray(s) ? s : [s]).every((x) => x.length >= 32),
      'must be at least 32 characters (the first signs, all verify)'),
    store: z.enum(['memory', 'redis']).default('memory'),
    redis: z.strictObject({
      url: nonEmpty.default('redis://127.0.0.1:6379'),
      prefix: z.string().default('actas:'),
      connectTimeout: duration.default(2_000),
    }).prefault({}),
    cookieName: z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/).optional(), // default: __Host-actas or actas
    idleTimeout: duration.default(30 * 60_000),
    absoluteTimeout: duration.default(12 * 3_600_000),
  }),
  upstreams: z.array(upstream).min(1, 'at least one upstream is needed'),
  access: z.strictObject({
    allow: z.strictObject({ ...principalFields, everyone: z.boolean().default(false) }).prefault({}),
    public: z.array(absolutePath).default([]),
  }).prefault({}),
  identity: z.strictObject({
    headers: z.strictObject({
      user: nonEmpty.default('X-Forwarded-User'),
      email: nonEmpty.default('X-Forwarded-Email'),
      groups: nonEmpty.default('X-Forwarded-Groups'),
      preferredUsername: nonEmpty.default('X-Forwarded-Preferred-Username'),
      name: nonEmpty.default('X-Forwarded-Name'),
      impersonator: nonEmpty.default('X-Impersonator'),
      impersonatorEmail: nonEmpty.default('X-Impersonator-Email'),
      assertion: nonEmpty.default('X-Actas-Jwt-Assertion'),
      requestId: nonEmpty.default('X-Request-Id'),
    }).prefault({}),
    /** Extra client header names to remove before forwarding. */
    strip: names,
    /** Forward the user's IdP access token as Authorization: Bearer (never while impersonating). */
    forwardAccessToken: z.boolean().default(false),
    assertion: z.strictObject({
      enabled: z.boolean().default(true),
      keys: z.array(assertionKeyFile).default([]),   // first signs, all are published
      alg: z.enum(['ES256', 'RS256', 'EdDSA']).optional(), // default: from the key
      ttl: duration.refine((ms) => ms >= 1_000, 'must be at least 1s').default(60_000),
      // Signed tokens kept for reuse per (session, upstream, identity) while more
      // than half their lifetime remains; the oldest are evicted (0: sign every time).
      cacheSize: z.number().int().min(0).default(10_000),
    }).prefault({}),
  }).prefault({}),
  impersonation: z.strictObject({
    requireReason: z.strictObject({ minLength: z.number().int().min(1).default(8) }).prefault({}),
    denyPaths: z.array(absolutePath).default([]),
    /** Extra methods allowed in read-only mode besides GET, HEAD, OPTIONS. */
    readOnlyAllow: z.array(z.strictObject({ method: nonEmpty, path: absolutePath })).default([]),
    rules: z.array(rule).default([]),
    auditors: principals,
  }).prefault({}),
  clients: z.array(z.strictObject({ id: nonEmpty, secret: z.string().min(16, 'must be at least 16 characters') })).default([]),
  /** OAuth 2.0 Token Exchange for the clients above (POST <prefix>token, docs/token-exchange.md). */
  tokenExchange: z.strictObject({
    // Token lifetime when the request names no expires_in; always capped by the rule's maxDuration.
    defaultExpiresIn: duration.refine((ms) => ms >= 1_000, 'must be at least 1s').default(15 * 60_000),
  }).prefault({}),
  directory: z.strictObject({ file: nonEmpty.optional() }).prefault({}),
  audit: z.strictObject({
    sinks: z.array(auditSink).prefault([{ type: 'file', path: './audit/actas.jsonl' }]),
    // Undelivered events wait here. Default: `spool/` beside the first file sink
    // (so replicas with their own files never share one), else ./audit/spool.
    spoolDir: nonEmpty.optional(),
    maxFieldLength: z.number().int().min(64).default(1024),
    // Per sink: the most undelivered events kept on disk (bytes). Past it new
    // events for that sink are dropped, counted, logged and readyz fails.
    spoolMaxBytes: z.number().int().min(4096).default(256 * 1024 * 1024),
    // How long a required event (impersonation.start/revoke) waits for the
    // required sinks before it is refused and the action with it.
    requiredTimeout: duration.default(5_000),
    // One sink operation (webhook POST, Redis call) gives up after this.
    writeTimeout: duration.default(10_000),
    // First retry after a failed delivery; doubles up to maxRetryDelay
    // (webhook sinks use their own maxRetryDelay).
    retryDelay: duration.default(500),
    maxRetryDelay: duration.default(30_000),
  }).prefault({}),
  admin: z.strictObject({
    host: nonEmpty.default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).optional(), // metrics listener; off when absent
  }).prefault({}),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    requests: z.boolean().default(true), // one line per proxied request
  }).prefault({}),
});

/** The config as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** The resolved, validated config. */
export type Config = z.output<typeof configSchema>;
export type UpstreamConfig = Config['upstreams'][number];
export type AuditSinkConfig = Config['audit']['sinks'][number];
export type RuleConfig = Config['impersonation']['rules'][number];
