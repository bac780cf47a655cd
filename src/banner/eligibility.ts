// Which responses get a banner: an HTML document with a body that a browser
// will render as a page. Everything else (HEAD, no-body statuses, ranges,
// attachments, non-HTML, event streams, unknown codings, UTF-16, fetch/XHR
// requests) passes through exactly as the upstream sent it.
import type { IncomingHttpHeaders } from 'node:http';
import { parseCoding, type Coding } from './codec.ts';

export type Eligibility =
  | { ok: true; coding: Coding }
  | { ok: false; reason: string };

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? v[0] ?? '' : v ?? '');

// Destinations of navigations: what a person sees as a page. fetch/XHR say "empty".
const DOCUMENT_DESTS = new Set(['document', 'iframe', 'frame', 'embed', 'object']);

/**
 * Decides whether a response gets a banner. `requestHeaders` is optional: when
 * given and the browser says (Sec-Fetch-Dest) that the request is not a
 * navigation, an HTML fragment fetched by script is left alone.
 */
export function bannerEligibility(
  method: string,
  status: number,
  headers: IncomingHttpHeaders,
  requestHeaders?: IncomingHttpHeaders,
): Eligibility {
  // Type first, so the other reasons (counted in metrics) are about HTML responses only.
  const [essence = '', ...params] = one(headers['content-type']).split(';');
  if (essence.trim().toLowerCase() !== 'text/html') return { ok: false, reason: 'not-html' };
  if (method.toUpperCase() === 'HEAD') return { ok: false, reason: 'head' };
  if (status < 200 || status === 204 || status === 205 || status === 304) return { ok: false, reason: 'no-body' };
  if (status === 206) return { ok: false, reason: 'partial' };
  const charset = params.map((p) => /^\s*charset\s*=\s*"?([^";\s]*)/i.exec(p)?.[1]).find((c) => c !== undefined);
  if (charset?.toLowerCase().startsWith('utf-16')) return { ok: false, reason: 'unsupported-charset' };
  if (/^\s*attachment\s*(;|$)/i.test(one(headers['content-disposition']))) return { ok: false, reason: 'attachment' };
  if (one(headers['content-length']).trim() === '0') return { ok: false, reason: 'empty' };
  const dest = one(requestHeaders?.['sec-fetch-dest']).trim().toLowerCase();
  if (dest !== '' && !DOCUMENT_DESTS.has(dest)) return { ok: false, reason: 'not-a-document' };
  const coding = parseCoding(headers['content-encoding']);
  if (coding === null) return { ok: false, reason: 'unsupported-encoding' };
  return { ok: true, coding };
}
