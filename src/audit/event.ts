// Builds an event from caller input: only the closed field list survives,
// every string is neutralised and capped, the session id is replaced by a
// keyed hash, and a type or outcome outside the vocabulary is refused.
import { createHmac, randomUUID } from 'node:crypto';
import { AUDIT_OUTCOMES, AUDIT_TYPES, AUDIT_VERSION } from './types.ts';
import type { AuditEventInput, AuditPrincipal, AuditRecord } from './types.ts';
import { capField } from './sanitize.ts';
import { AuditInputError } from './errors.ts';

const MAX_REASONS = 32;
const TYPES = new Set<string>(AUDIT_TYPES);
const OUTCOMES = new Set<string>(AUDIT_OUTCOMES);

const derivedKeys = new Map<string, Buffer>();

/**
 * A stable, non-reversible name for a session id: HMAC-SHA256 under a key
 * derived from the session secret, 128 bits in hex. The same session always
 * gets the same value, so its events can be grouped without exposing the id.
 */
export function hashSessionId(sessionId: string, secret: string): string {
  let key = derivedKeys.get(secret);
  if (!key) {
    // A derived key, so the secret that signs cookies never keys anything else.
    key = createHmac('sha256', secret).update('actas/audit/session-id/v1').digest();
    if (derivedKeys.size > 16) derivedKeys.clear();
    derivedKeys.set(secret, key);
  }
  return createHmac('sha256', key).update(sessionId, 'utf8').digest('hex').slice(0, 32);
}

export interface BuildOptions {
  maxFieldLength: number;
  sessionSecret: string;
  now?: Date;
  id?: string;
}

function toIso(value: number | string): string | undefined {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Turns caller input into an event of the closed schema (not yet chained). */
export function buildEvent(input: AuditEventInput, options: BuildOptions): AuditRecord {
  if (!TYPES.has(input.type)) throw new AuditInputError(`unknown audit event type ${JSON.stringify(String(input.type))}`);
  if (!OUTCOMES.has(input.outcome)) throw new AuditInputError(`unknown audit outcome ${JSON.stringify(String(input.outcome))}`);
  const max = options.maxFieldLength;
  const text = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : capField(String(v), max));
  const principal = (p: AuditEventInput['actor']): AuditPrincipal | undefined => {
    if (!p || typeof p !== 'object') return undefined;
    const out: AuditPrincipal = { sub: text(p.sub) ?? '', user: text(p.user) ?? '' };
    const email = text(p.email);
    if (email !== undefined) out.email = email;
    return out;
  };
  const event: AuditRecord = {
    v: AUDIT_VERSION,
    id: options.id ?? randomUUID(),
    time: (options.now ?? new Date()).toISOString(),
    type: input.type,
    outcome: input.outcome,
  };
  const put = <K extends keyof AuditRecord>(key: K, value: AuditRecord[K] | undefined): void => {
    if (value !== undefined) event[key] = value;
  };
  put('requestId', text(input.requestId));
  if (input.sessionId) put('sessionId', hashSessionId(String(input.sessionId), options.sessionSecret));
  put('ip', text(input.ip));
  put('userAgent', text(input.userAgent));
  put('actor', principal(input.actor));
  put('subject', principal(input.subject));
  put('reason', text(input.reason));
  put('mode', text(input.mode));
  if (input.expiresAt !== undefined && input.expiresAt !== null) put('expiresAt', toIso(input.expiresAt));
  put('impersonationId', text(input.impersonationId));
  put('method', text(input.method));
  put('path', text(input.path));
  if (Number.isInteger(input.status) && input.status! >= 100 && input.status! <= 599) put('status', input.status);
  if (typeof input.durationMs === 'number' && Number.isFinite(input.durationMs) && input.durationMs >= 0) {
    put('durationMs', Math.round(input.durationMs * 1000) / 1000);
  }
  put('upstream', text(input.upstream));
  if (Array.isArray(input.reasons)) put('reasons', input.reasons.slice(0, MAX_REASONS).map((r) => capField(String(r), max)));
  return event;
}
