// The auditor's event filters, read from the console's query string: bounded
// lengths, a closed list of event types, and datetime-local inputs (read as
// UTC, like every time on the console) turned into ISO instants.

/** The event types of DESIGN.md section 6, in the order the filter lists them. */
export const EVENT_TYPES = [
  'impersonation.start', 'impersonation.denied', 'impersonation.stop', 'impersonation.expire',
  'impersonation.revoke', 'request', 'request.blocked', 'login.success', 'login.failure', 'logout',
] as const;

export interface EventFilter {
  type?: string;
  actor?: string;
  subject?: string;
  since?: string;            // ISO instant
  until?: string;            // ISO instant
  impersonationId?: string;
}

export interface ParsedFilter {
  filter: EventFilter;
  /** Inputs that were not understood (the filter ignores them). */
  problems: string[];
}

const LOCAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.\d+)?)?Z?$/;

/** A datetime-local value (or an ISO instant) read as UTC; undefined when not a valid time. */
export function parseUtc(value: string): string | undefined {
  const m = LOCAL.exec(value.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3] ?? '00'}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** The value a datetime-local input shows for an ISO instant (UTC, to the second). */
export function toLocalInput(iso: string | undefined): string {
  return iso ? iso.slice(0, 19) : '';
}

function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  return v && v.length <= max ? v : undefined;
}

/** Reads the filter fields from a parsed query string. */
export function parseEventFilter(query: Record<string, unknown>): ParsedFilter {
  const filter: EventFilter = {};
  const problems: string[] = [];
  const type = text(query.type, 64);
  if (type && (EVENT_TYPES as readonly string[]).includes(type)) filter.type = type;
  else if (type) problems.push(`Unknown event type \u201c${type}\u201d.`);
  const actor = text(query.actor, 200);
  if (actor) filter.actor = actor;
  const subject = text(query.subject, 200);
  if (subject) filter.subject = subject;
  const id = text(query.impersonation, 200);
  if (id) filter.impersonationId = id;
  for (const key of ['since', 'until'] as const) {
    const raw = text(query[key], 64);
    if (!raw) continue;
    const iso = parseUtc(raw);
    if (iso) filter[key] = iso;
    else problems.push(`\u201c${raw}\u201d is not a date and time (${key}).`);
  }
  return { filter, problems };
}
