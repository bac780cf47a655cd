// The audit event schema: the closed field list, the event types and the
// fixed outcome vocabulary. An event never carries a field outside
// AUDIT_FIELDS, and `v` changes whenever this list does.

export const AUDIT_VERSION = 1;

export const AUDIT_TYPES = [
  'login.success',
  'login.failure',
  'logout',
  'impersonation.start',
  'impersonation.denied',
  'impersonation.stop',
  'impersonation.expire',
  'impersonation.revoke',
  'request',
  'request.blocked',
] as const;
export type AuditType = typeof AUDIT_TYPES[number];

/** success: done; failure: the user failed (bad login); denied: policy said no; error: a fault stopped it. */
export const AUDIT_OUTCOMES = ['success', 'failure', 'denied', 'error'] as const;
export type AuditOutcome = typeof AUDIT_OUTCOMES[number];

/** Every field an event may carry, in the order a line is written. */
export const AUDIT_FIELDS = [
  'v', 'id', 'time', 'type', 'outcome', 'requestId', 'sessionId', 'ip', 'userAgent',
  'actor', 'subject', 'reason', 'mode', 'expiresAt', 'impersonationId',
  'method', 'path', 'status', 'durationMs', 'upstream', 'reasons', 'prev', 'hash',
] as const;
export type AuditField = typeof AUDIT_FIELDS[number];

/** A user as the audit log names them: the immutable `sub` and the readable `user`. */
export interface AuditPrincipal {
  sub: string;
  user: string;
  email?: string;
}

/** What a caller hands to `record()`; the log adds id, time, hashes and caps. */
export interface AuditEventInput {
  type: AuditType;
  outcome: AuditOutcome;
  requestId?: string;
  /** The raw session id: it is stored only as a keyed hash. */
  sessionId?: string;
  ip?: string;
  userAgent?: string;
  /** The real operator (while impersonating) or the user. Extra fields are ignored. */
  actor?: { sub: string; user: string; email?: string };
  /** The impersonated user (or the target of a denied attempt). */
  subject?: { sub: string; user: string; email?: string };
  reason?: string;
  mode?: string;
  /** Epoch ms or an ISO date; stored as ISO. */
  expiresAt?: number | string;
  /** Links the start, the requests and the end of one impersonation. */
  impersonationId?: string;
  method?: string;
  path?: string;
  status?: number;
  durationMs?: number;
  upstream?: string;
  /** Kebab-case reasons of a decision, such as `read-only-mode`. */
  reasons?: string[];
}

/** An event as built, before a sink places it in its own hash chain. */
export interface AuditRecord {
  v: typeof AUDIT_VERSION;
  id: string;
  time: string;
  type: AuditType;
  outcome: AuditOutcome;
  requestId?: string;
  sessionId?: string;
  ip?: string;
  userAgent?: string;
  actor?: AuditPrincipal;
  subject?: AuditPrincipal;
  reason?: string;
  mode?: string;
  expiresAt?: string;
  impersonationId?: string;
  method?: string;
  path?: string;
  status?: number;
  durationMs?: number;
  upstream?: string;
  reasons?: string[];
}

/** An event as a sink stored it: `prev` is the previous event's hash in that sink. */
export interface AuditEvent extends AuditRecord {
  prev: string;
  hash: string;
}

/** Filter for `query()`: all given conditions must hold. */
export interface AuditQuery {
  type?: AuditType;
  /** Matches actor.user, actor.sub or actor.email. */
  actor?: string;
  /** Matches subject.user, subject.sub or subject.email. */
  subject?: string;
  /** Epoch ms, an ISO date or a Date; inclusive. */
  since?: number | string | Date;
  until?: number | string | Date;
  impersonationId?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface AuditSinkHealth {
  /** A label without secrets, such as `file:/var/log/actas.jsonl`. */
  name: string;
  type: string;
  required: boolean;
  ok: boolean;
  /** Events accepted by actas but not yet by this sink (memory and spool). */
  backlog: number;
  /** Events this sink will never receive (spool full or unwritable). */
  dropped: number;
  /** The spool is at its bound and new events for this sink are being dropped. */
  spoolFull: boolean;
  error?: string;
}

export interface AuditHealth {
  ok: boolean;
  backlog: number;
  sinks: AuditSinkHealth[];
}

export interface AuditLog {
  /**
   * Records an event. Required types (see DELIVERY) resolve only once every
   * sink marked `required` stored them and otherwise reject with
   * AuditUnavailableError; the rest resolve at once and are delivered behind.
   */
  record(input: AuditEventInput): Promise<void>;
  health(): Promise<AuditHealth>;
  /** Recent events, newest first, from the redis-stream sink if any, else the file sink. */
  query(filter: AuditQuery): Promise<AuditEvent[]>;
  /** Flushes what can be flushed; the rest stays in the spool for the next start. */
  close(): Promise<void>;
}
