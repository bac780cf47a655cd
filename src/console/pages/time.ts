// Times on the console: always a <time datetime> element in UTC ISO form, the
// visible text relative ("in 12 min") or UTC, so operators in any zone read
// the same instant and the audit log's timestamps match what they see.
import { html, type SafeHtml } from '../../html.ts';

/** "in 12 min", "3 h ago", "just now": coarse on purpose, the title has the exact time. */
export function relative(at: number, now: number): string {
  const diff = at - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return diff >= 0 ? 'in under a minute' : 'just now';
  const minutes = Math.round(abs / 60_000);
  const text = minutes < 90 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} days`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

/** "2025-05-01 12:30:05Z": ISO in UTC, readable. */
export function utc(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

function toEpoch(at: number | string | undefined): number | undefined {
  if (at === undefined) return undefined;
  const ms = typeof at === 'number' ? at : Date.parse(at);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A <time> element: relative text when `now` is given, else UTC; unparseable input is shown as text. */
export function timeEl(at: number | string | undefined, now?: number): SafeHtml {
  const ms = toEpoch(at);
  if (ms === undefined) return html`<span class="muted">${at ?? '\u2014'}</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" title="${utc(ms)}">${now === undefined ? utc(ms) : relative(ms, now)}</time>`;
}
