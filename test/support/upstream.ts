// A real upstream for tests: records every request it receives (method, url,
// headers, body) and answers with them as JSON; /slow waits; /html answers a
// page; websockets echo and report the upgrade's headers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface TestUpstream {
  url: string;
  received: Received[];
  upgrades: Received[];
  /** The last request whose url starts with `prefix`. */
  last(prefix?: string): Received | undefined;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<TestUpstream> {
  const received: Received[] = [];
  const upgrades: Received[] = [];
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body };
    received.push(rec);
    if (received.length > 1000) received.shift();
    if (req.url?.startsWith('/slow')) {
      const ms = Number(new URL(req.url, 'http://x').searchParams.get('ms') ?? 5000);
      await new Promise((r) => setTimeout(r, Math.min(ms, 10_000)));
    }
    if (req.url?.startsWith('/html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': ['app_sid=from-upstream; Path=/; HttpOnly', 'app_pref=dark; Path=/'] });
      return void res.end(`<!doctype html><html><head><title>Upstream page</title></head><body class="app"><h1>Hello ${req.headers['x-forwarded-user'] ?? 'nobody'}</h1></body></html>`);
    }
    if (req.url?.startsWith('/set-cookie')) {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['app_sid=' + String(req.headers['x-forwarded-user'] ?? 'anon') + '; Path=/; HttpOnly'] });
      return void res.end(JSON.stringify({ ok: true }));
    }
    const json = JSON.stringify({ method: rec.method, url: rec.url, headers: rec.headers, body });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    upgrades.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: '' });
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ user: req.headers['x-forwarded-user'] ?? null, impersonator: req.headers['x-impersonator'] ?? null }));
      ws.on('message', (data) => ws.send(String(data)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    upgrades,
    last: (prefix = '/') => [...received].reverse().find((r) => r.url.startsWith(prefix)),
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
