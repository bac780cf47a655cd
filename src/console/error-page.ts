// Clear pages for every refusal and failure: what happened, what to do, and
// the request id to quote. API clients get the same as JSON.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { html } from '../html.ts';
import { sendPage } from './layout.ts';

export interface Problem {
  status: number;
  code: string;         // stable, kebab-case, e.g. "access-denied"
  title: string;
  detail: string;
  requestId?: string;
  /** Where the user can go next: [label, href]. */
  action?: [string, string];
}

/** True when the client navigates as a browser (wants HTML). */
export function wantsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html');
}

/** Sends the problem as an HTML page to browsers, as JSON to everything else. */
export function sendProblem(req: IncomingMessage, res: ServerResponse, p: Problem, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (!wantsHtml(req)) {
    const body = JSON.stringify({ error: p.code, message: p.detail, requestId: p.requestId });
    res.writeHead(p.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  sendPage(res, {
    status: p.status,
    title: p.title,
    headers,
    body: html`<header class="top"><span class="brand">actas</span></header>
<main><div class="card" role="alert"><h1>${p.title}</h1><p>${p.detail}</p>
${p.action ? html`<p><a class="button" href="${p.action[1]}">${p.action[0]}</a></p>` : ''}
<p class="muted">Error <code>${p.code}</code> · HTTP ${p.status}${p.requestId ? html` · request id <code>${p.requestId}</code>` : ''}</p></div></main>`,
  });
}
