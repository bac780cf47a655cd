// The page shell for everything actas renders itself (console, errors,
// logout confirm): no external assets, one inline stylesheet allowed by hash
// in a strict Content-Security-Policy that actas sets on its own pages.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { html, raw, type SafeHtml } from '../html.ts';

export const PAGE_CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#f6f7f9;--card:#fff;--muted:#5b6470;--accent:#8a2be2;--warn:#b3261e;--ok:#1b6e3a;--line:#d7dbe0}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--bg:#15171a;--card:#1f2226;--muted:#a3abb5;--line:#3a3f45;--accent:#c39bff;--warn:#ff8a80;--ok:#7bd88f}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header.top{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 1.25rem;background:#2d1b4e;color:#fff}
header.top a,header.top button{color:#fff}.brand{font-weight:700;letter-spacing:.02em}
main{max-width:60rem;margin:0 auto;padding:1.25rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1rem 1.25rem;margin:0 0 1rem}
h1{font-size:1.5rem;margin:.25rem 0 1rem}h2{font-size:1.15rem;margin:0 0 .75rem}
.muted{color:var(--muted)}.error{color:var(--warn)}.ok{color:var(--ok)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}
input,select,textarea{font:inherit;padding:.45rem .6rem;border:1px solid var(--line);border-radius:.35rem;width:100%;background:var(--bg);color:var(--fg)}
button,.button{font:inherit;display:inline-block;padding:.45rem .9rem;border-radius:.35rem;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none}
button.secondary{background:transparent;color:var(--accent)}button.danger{background:var(--warn);border-color:var(--warn)}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.tag{display:inline-block;padding:0 .4rem;border-radius:.25rem;background:var(--line);font-size:.85em}
.row{display:flex;gap:.75rem;flex-wrap:wrap;align-items:end}.row>*{flex:1 1 12rem}
.inline{display:inline}
@media (max-width:40rem){main{padding:.75rem}th,td{padding:.3rem}.hide-narrow{display:none}}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 .75rem}.facts dt{font-weight:600}.facts dd{margin:0;overflow-wrap:anywhere}
.results{list-style:none;padding:0;margin:0}.result{border-top:1px solid var(--line);padding:.75rem 0}.result p{margin:.15rem 0}.start{margin-top:.5rem}
.row>.wide{flex:3 1 16rem}.row>.shrink{flex:0 0 auto}
.acting{background:#9b0d1f;color:#fff;border:0;border-bottom:3px solid #ffd23f}.acting a{color:#fff}.acting .muted{color:#fff}
.acting button{background:#fff;color:#9b0d1f;border-color:#fff;font-weight:700}.acting button:hover{background:#ffe3e7}
.notice p{margin:0}.error-notice{border-left:4px solid var(--warn)}.ok-notice{border-left:4px solid var(--ok)}
.scroll{overflow-x:auto}caption{text-align:left;padding:0 0 .5rem}td.reason{overflow-wrap:anywhere;min-width:8rem}td.actions form{margin-left:.5rem}
header.top nav a{margin-left:1rem}td.actions{white-space:nowrap}
p.actions a,.row>.shrink a{margin-left:.75rem}
`;

const CSS_HASH = `'sha256-${createHash('sha256').update(PAGE_CSS).digest('base64')}'`;

/** The CSP of actas's own pages: nothing external, inline style by hash only. */
export function pageCsp(scriptHashes: readonly string[] = []): string {
  const scripts = scriptHashes.length ? scriptHashes.join(' ') : "'none'";
  return `default-src 'none'; style-src ${CSS_HASH}; script-src ${scripts}; img-src 'self' data:; connect-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'`;
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  status?: number;
  /** Extra markup at the end of <body>, e.g. a script allowed by hash. */
  tail?: SafeHtml;
  scriptHashes?: readonly string[];
  headers?: Record<string, string>;
}

/** Renders a full page and sends it with security headers. */
export function sendPage(res: ServerResponse, page: PageOptions): void {
  const doc = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${page.title} · actas</title><style>${raw(PAGE_CSS)}</style></head>
<body>${page.body}${page.tail ?? ''}</body></html>`;
  const body = Buffer.from(doc.value);
  res.writeHead(page.status ?? 200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    'content-security-policy': pageCsp(page.scriptHashes),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    ...page.headers,
  });
  res.end(body);
}
