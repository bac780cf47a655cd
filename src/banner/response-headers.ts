// The headers of a response whose body actas rewrites: framing is left to
// node (chunked), validators and digests that described the upstream's bytes
// are weakened or dropped, CSP allows the banner's inline content, and the
// page is not stored (it carries a per-session token and a countdown).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// Hop-by-hop and framing headers: they described the upstream connection and body.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'];
// Describe the exact upstream bytes, which change.
const BODY_BOUND = ['content-length', 'content-md5', 'digest', 'content-digest', 'repr-digest', 'accept-ranges', 'content-range'];
const CSP_HEADERS = ['content-security-policy', 'content-security-policy-report-only'];

/** A strong validator becomes weak: same meaning, different bytes. */
export function weakenEtag(etag: string): string {
  const value = etag.trim();
  return value.startsWith('W/') || value === '' ? value : `W/${value}`;
}

/**
 * Rewrites upstream response headers for an injected body. `rewriteCsp`
 * receives each CSP header value. Set-Cookie and every other header are kept
 * as they came (arrays stay arrays).
 */
export function rewriteResponseHeaders(
  headers: IncomingHttpHeaders,
  rewriteCsp: (value: string) => string,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionTokens = String(headers.connection ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  const drop = new Set([...HOP_BY_HOP, ...BODY_BOUND, ...connectionTokens]);
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (value === undefined || drop.has(key)) continue;
    out[key] = value;
  }
  if (typeof out.etag === 'string') out.etag = weakenEtag(out.etag);
  for (const name of CSP_HEADERS) {
    const value = out[name];
    if (typeof value === 'string') out[name] = rewriteCsp(value);
    else if (Array.isArray(value)) out[name] = value.map(rewriteCsp);
  }
  out['cache-control'] = 'no-store';
  return out;
}
