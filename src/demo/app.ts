// The demo's "legacy app": it knows nothing about OIDC and trusts the
// identity actas forwards. Its pages show the headers it received, whether
// the signed assertion verified, its own cookie-based session (to show
// cookie jars), a form that writes, a gzip page, a strict-CSP page, a
// websocket echo and a public /static/ path.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { html, type SafeHtml } from '../html.ts';
import { createAssertionVerifier, type AssertionVerifier } from '../verify/index.ts';

export interface DemoAppOptions {
  host?: string;
  port?: number;
  /** Where to verify X-Actas-Jwt-Assertion; without it the page says "not checked". */
  verify?: { jwksUrl: string; issuer: string; audience: string };
}

export interface DemoApp {
  url: string;
  close(): Promise<void>;
}

const IDENTITY_HEADERS = ['x-forwarded-user', 'x-forwarded-email', 'x-forwarded-groups', 'x-forwarded-name', 'x-forwarded-preferred-username', 'x-impersonator', 'x-impersonator-email', 'x-request-id'];
const STYLE = 'body{font:16px/1.5 Georgia,serif;margin:0;background:#fdf6e3;color:#222}header{background:#264653;color:#fff;padding:.75rem 1rem}header a{color:#fff;margin-right:1rem}main{padding:1rem;max-width:50rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}.ok{color:#1b6e3a;font-weight:bold}.bad{color:#b3261e;font-weight:bold}';

function page(title: string, body: SafeHtml, nonce?: string): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} · Legacy Wiki</title>
<style${nonce ? html` nonce="${nonce}"` : ''}>${STYLE}</style></head><body>
<header><strong>Legacy Wiki</strong> · <a href="/">Home</a><a href="/notes">Notes</a><a href="/report.html">Report (gzip)</a><a href="/strict">Strict CSP</a><a href="/account/password">Password</a><a href="/.actas/">actas console</a></header>
<main>${body}</main></body></html>`.value;
}

export async function startDemoApp(options: DemoAppOptions = {}): Promise<DemoApp> {
  const verifier: AssertionVerifier | undefined = options.verify ? createAssertionVerifier(options.verify) : undefined;
  const sessions = new Map<string, { firstUser: string; visits: number }>();
  const notes: { by: string; actor?: string; text: string }[] = [];

  async function identityTable(req: http.IncomingMessage): Promise<SafeHtml> {
    let verdict: SafeHtml;
    if (!verifier) verdict = html`<span>not checked</span>`;
    else {
      try {
        const id = await verifier.verify(req);
        verdict = html`<span class="ok" id="verified">verified</span> — signed by actas for <b>${id.user}</b>${id.actor ? html` acting through <b>${id.actor.user}</b>` : ''}`;
      } catch (err) {
        verdict = html`<span class="bad" id="verified">not verified</span> (${(err as Error).message})`;
      }
    }
    return html`<p>Signed assertion: ${verdict}</p><table><tr><th>Header</th><th>Value</th></tr>
${IDENTITY_HEADERS.map((h) => html`<tr><td><code>${h}</code></td><td data-header="${h}">${req.headers[h] ?? '—'}</td></tr>`)}</table>`;
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    const user = String(req.headers['x-forwarded-user'] ?? '');
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
      res.end(body);
    };
    // The app's own session cookie: remembers who first used it, like many legacy apps.
    const cookie = /(?:^|;\s*)wiki_session=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
    let sid = cookie && sessions.has(cookie) ? cookie : undefined;
    const setCookie: Record<string, string> = {};
    if (!sid && user) {
      sid = randomBytes(12).toString('base64url');
      sessions.set(sid, { firstUser: user, visits: 0 });
      setCookie['set-cookie'] = `wiki_session=${sid}; Path=/; HttpOnly; SameSite=Lax`;
    }
    const appSession = sid ? sessions.get(sid) : undefined;
    if (appSession) appSession.visits++;

    if (url.pathname.startsWith('/static/')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end(`public file; x-forwarded-user=${req.headers['x-forwarded-user'] ?? '(none)'}\n`);
    }
    if (url.pathname === '/headers') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(req.headers));
    }
    if (url.pathname === '/notes' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      notes.push({ by: user, actor: req.headers['x-impersonator'] as string | undefined, text: new URLSearchParams(body).get('text') ?? '' });
      res.writeHead(303, { location: '/notes' });
      return void res.end();
    }
    if (url.pathname === '/notes') {
      return send(200, page('Notes', html`<h1>Notes</h1><ul>${notes.map((n) => html`<li><b>${n.by}</b>${n.actor ? html` (by ${n.actor})` : ''}: ${n.text}</li>`)}</ul>
<form method="post" action="/notes"><label>New note <input name="text" required></label> <button>Save</button></form>`), setCookie);
    }
    if (url.pathname === '/report.html') {
      const body = gzipSync(page('Report', html`<h1>Quarterly report for ${user}</h1><p>This page is served gzip-compressed.</p>${html`<p>Lorem ipsum dolor sit amet.</p>`}`));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip', 'content-length': String(body.length), ...setCookie });
      return void res.end(body);
    }
    if (url.pathname === '/strict') {
      const nonce = randomBytes(16).toString('base64');
      return send(200, page('Strict', html`<h1>A page with a strict CSP</h1><p id="own-script">The page's own script has not run.</p>
<script nonce="${nonce}">document.getElementById('own-script').textContent = 'The page\\'s own script ran.';</script>`, nonce),
      { 'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}' 'strict-dynamic'; form-action 'self'; base-uri 'none'`, ...setCookie });
    }
    if (url.pathname === '/account/password') {
      return send(200, page('Password', html`<h1>Change password</h1><p>Only ${user} should ever see this page.</p>`), setCookie);
    }
    if (url.pathname === '/') {
      return send(200, page('Home', html`<h1 id="greeting">Hello, ${user || 'stranger'}!</h1>
${await identityTable(req)}
<p>This app's own session cookie was first issued to <b id="app-session-user">${appSession?.firstUser ?? '—'}</b> (${appSession?.visits ?? 0} visits).</p>`), setCookie);
    }
    send(404, page('Not found', html`<h1>Not found</h1>`));
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ hello: req.headers['x-forwarded-user'] ?? null, impersonator: req.headers['x-impersonator'] ?? null }));
      ws.on('message', (data) => ws.send(String(data)));
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
