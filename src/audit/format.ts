// One readable line per event for `actas audit tail`. Every value shown is
// passed through `neutralise`, so a stored (or tampered) value can never put
// a control character or terminal escape on the operator's screen.
import { neutralise } from './sanitize.ts';
import type { AuditEvent, AuditPrincipal } from './types.ts';

const show = (v: unknown): string => neutralise(String(v));

function who(p: AuditPrincipal | undefined): string {
  if (!p) return '-';
  return show(p.user || p.sub || '?');
}

/** `time type outcome actor → subject method path status "reason" [reasons]`, parts present only when set. */
export function formatEvent(event: AuditEvent): string {
  const parts = [show(event.time), show(event.type), show(event.outcome)];
  const actor = who(event.actor);
  parts.push(event.subject ? `${actor} → ${who(event.subject)}` : actor);
  if (event.method || event.path) parts.push([event.method, event.path].filter(Boolean).map(show).join(' '));
  if (event.status !== undefined) parts.push(show(event.status));
  if (event.mode) parts.push(`mode=${show(event.mode)}`);
  if (event.reason) parts.push(`reason="${show(event.reason).replace(/"/g, '\\"')}"`);
  if (event.reasons?.length) parts.push(`[${event.reasons.map(show).join(', ')}]`);
  return parts.join(' ');
}
