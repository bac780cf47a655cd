// Checks that a parsed line is an event of the closed schema, field by field,
// so `verify` and the readers reject anything that is not one of ours.
import { AUDIT_FIELDS, AUDIT_OUTCOMES, AUDIT_TYPES, AUDIT_VERSION } from './types.ts';
import type { AuditEvent } from './types.ts';

const FIELDS = new Set<string>(AUDIT_FIELDS);
const TYPES = new Set<string>(AUDIT_TYPES);
const OUTCOMES = new Set<string>(AUDIT_OUTCOMES);
const HEX64 = /^[0-9a-f]{64}$/;
const STRING_FIELDS = ['id', 'time', 'requestId', 'sessionId', 'ip', 'userAgent', 'reason', 'mode', 'expiresAt', 'impersonationId', 'method', 'path', 'upstream'] as const;

function principalProblem(value: unknown, field: string): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return `${field} is not an object`;
  const p = value as Record<string, unknown>;
  for (const key of Object.keys(p)) if (!['sub', 'user', 'email'].includes(key)) return `unknown field ${field}.${key}`;
  if (typeof p.sub !== 'string' || typeof p.user !== 'string') return `${field}.sub and ${field}.user must be strings`;
  if (p.email !== undefined && typeof p.email !== 'string') return `${field}.email must be a string`;
  return undefined;
}

/** Why `value` is not an audit event, or undefined when it is one. */
export function shapeProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const e = value as Record<string, unknown>;
  for (const key of Object.keys(e)) if (!FIELDS.has(key)) return `unknown field ${JSON.stringify(key)}`;
  if (e.v !== AUDIT_VERSION) return `unsupported version ${JSON.stringify(e.v)}`;
  if (typeof e.type !== 'string' || !TYPES.has(e.type)) return 'unknown type';
  if (typeof e.outcome !== 'string' || !OUTCOMES.has(e.outcome)) return 'unknown outcome';
  if (typeof e.id !== 'string' || typeof e.time !== 'string' || Number.isNaN(Date.parse(e.time))) return 'id and time are required';
  if (typeof e.prev !== 'string' || !HEX64.test(e.prev)) return 'prev is not a SHA-256 hex digest';
  if (typeof e.hash !== 'string' || !HEX64.test(e.hash)) return 'hash is not a SHA-256 hex digest';
  for (const f of STRING_FIELDS) if (e[f] !== undefined && typeof e[f] !== 'string') return `${f} must be a string`;
  for (const f of ['actor', 'subject'] as const) {
    if (e[f] !== undefined) {
      const problem = principalProblem(e[f], f);
      if (problem) return problem;
    }
  }
  if (e.status !== undefined && !Number.isInteger(e.status)) return 'status must be an integer';
  if (e.durationMs !== undefined && (typeof e.durationMs !== 'number' || !Number.isFinite(e.durationMs))) return 'durationMs must be a number';
  if (e.reasons !== undefined && (!Array.isArray(e.reasons) || e.reasons.some((r) => typeof r !== 'string'))) return 'reasons must be a list of strings';
  return undefined;
}

/** Parses one stored line; undefined when it is not a well-formed event. */
export function parseEventLine(line: string): AuditEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return shapeProblem(value) === undefined ? (value as AuditEvent) : undefined;
}
