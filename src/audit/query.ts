// Auditor queries: normalises a filter (dates, limit bounds) and matches
// events against it. Shared by AuditLog.query, the HTTP handler and tail.
import { BadRequestError } from '../errors.ts';
import { AUDIT_TYPES } from './types.ts';
import type { AuditEvent, AuditPrincipal, AuditQuery, AuditType } from './types.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** A query never reads more events than this, however few match. */
export const MAX_SCAN = 100_000;

export interface NormalisedQuery {
  type?: AuditType;
  actor?: string;
  subject?: string;
  since?: number;
  until?: number;
  impersonationId?: string;
  limit: number;
}

const TYPES = new Set<string>(AUDIT_TYPES);

function badQuery(message: string): BadRequestError {
  return new BadRequestError('ERR_ACTAS_AUDIT_BAD_QUERY', message);
}

/** Epoch ms from a Date, epoch ms (number or digits) or an ISO date; throws on anything else. */
export function toEpochMs(value: number | string | Date, name: string): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (/^\d{1,15}$/.test(value)) ms = Number(value);
  else if (/^\d{4}-\d{2}-\d{2}/.test(value)) ms = Date.parse(value);
  else ms = Number.NaN;
  if (!Number.isFinite(ms)) throw badQuery(`${name}: expected an ISO date or epoch milliseconds`);
  return ms;
}

/** Validates a filter; throws BadRequestError (code ERR_ACTAS_AUDIT_BAD_QUERY) naming the bad part. */
export function normaliseQuery(filter: AuditQuery): NormalisedQuery {
  const out: NormalisedQuery = { limit: DEFAULT_LIMIT };
  if (filter.type !== undefined) {
    if (!TYPES.has(filter.type)) throw badQuery(`type: expected one of ${AUDIT_TYPES.join(', ')}`);
    out.type = filter.type;
  }
  for (const key of ['actor', 'subject', 'impersonationId'] as const) {
    const v = filter[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0 || v.length > 512) throw badQuery(`${key}: expected 1 to 512 characters`);
    out[key] = v;
  }
  if (filter.since !== undefined) out.since = toEpochMs(filter.since, 'since');
  if (filter.until !== undefined) out.until = toEpochMs(filter.until, 'until');
  if (out.since !== undefined && out.until !== undefined && out.since > out.until) throw badQuery('since: must not be after until');
  if (filter.limit !== undefined) {
    if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > MAX_LIMIT) throw badQuery(`limit: expected an integer from 1 to ${MAX_LIMIT}`);
    out.limit = filter.limit;
  }
  return out;
}

function names(p: AuditPrincipal | undefined, who: string): boolean {
  if (!p) return false;
  return p.user === who || p.sub === who || (p.email !== undefined && p.email.toLowerCase() === who.toLowerCase());
}

/** True when the event satisfies every condition of the query. */
export function matches(event: AuditEvent, q: NormalisedQuery): boolean {
  if (q.type && event.type !== q.type) return false;
  if (q.actor && !names(event.actor, q.actor)) return false;
  if (q.subject && !names(event.subject, q.subject)) return false;
  if (q.impersonationId && event.impersonationId !== q.impersonationId) return false;
  if (q.since !== undefined || q.until !== undefined) {
    const time = Date.parse(event.time);
    if (q.since !== undefined && time < q.since) return false;
    if (q.until !== undefined && time > q.until) return false;
  }
  return true;
}
