// Writes an upstream response to the client: hop-by-hop headers removed,
// Set-Cookie kept as a list, and each response hook (impersonation header,
// cookie jar, banner) given its say before the head is sent.
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Exchange } from '../stage.ts';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** What will be sent: hooks may change the headers or put a transform in front of the body. */
export interface ResponsePlan {
  status: number;
  headers: OutgoingHttpHeaders;
  body?: Duplex;
}

export type ResponseHook = (x: Exchange, upstream: IncomingMessage, plan: ResponsePlan) => void;

export function sendUpstreamResponse(x: Exchange, upstream: IncomingMessage, hooks: readonly ResponseHook[]): void {
  const named = String(upstream.headers.connection ?? '').split(',').map((t) => t.trim().toLowerCase());
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.includes(name)) headers[name] = value;
  }
  const plan: ResponsePlan = { status: upstream.statusCode ?? 502, headers };
  for (const hook of hooks) hook(x, upstream, plan);
  const { res } = x;
  res.writeHead(plan.status, upstream.statusMessage, plan.headers);
  // pipe() rather than stream.pipeline(): pipeline's AbortController costs a
  // DOMException per response, measurable on the hot path. Errors and aborts
  // are handled explicitly instead.
  const fail = (): void => { res.destroy(); };
  upstream.once('error', fail);
  res.once('close', () => { if (!res.writableFinished) upstream.destroy(); });
  if (plan.body) {
    plan.body.once('error', fail);
    upstream.pipe(plan.body).pipe(res);
  } else {
    upstream.pipe(res);
  }
}
