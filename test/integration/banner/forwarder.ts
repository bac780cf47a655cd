// A tiny node:http forwarder for the banner tests: it uses the banner API the
// way the proxy does (plan from the upstream's status and headers, then
// status + plan.headers, then upstream body → transform → client), and passes
// every other response through with the upstream's exact headers and bytes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import {
  acceptEncodingForBanner, planBannerInjection, IMPERSONATING_HEADER, impersonatingHeaderValue, type BannerContext, type BannerPlan,
} from '../../../src/banner/index.ts';

export interface Forwarder {
  url: string;
  /** Every plan made, in order (null for responses passed through). */
  plans: Array<BannerPlan | null>;
  close: () => Promise<void>;
}

export interface ForwarderOptions {
  /** Banner context for a request (defaults to a fixed one). */
  context?: (req: http.IncomingMessage) => BannerContext;
  /** Handles reserved routes (e.g. the release POST); return true when handled. */
  reserved?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}

export function testContext(req: http.IncomingMessage, overrides: Partial<BannerContext> = {}): BannerContext {
  return {
    target: { user: 'alice', name: 'Alice Example', email: 'alice@example.org' },
    actor: { user: 'bob', name: 'Bob Operator' },
    reason: 'ticket 4711: invoices missing',
    mode: 'read-only',
    expiresAt: Date.now() + 30 * 60_000,
    csrfToken: 'csrf-token-1',
    releaseUrl: '/.actas/release',
    returnTo: req.url ?? '/',
    consoleUrl: '/.actas/',
    ...overrides,
  };
}

/** Starts a forwarder on 127.0.0.1:0 in front of `upstream` (an http://host:port origin). */
export async function startForwarder(upstream: string, options: ForwarderOptions = {}): Promise<Forwarder> {
  const target = new URL(upstream);
  const plans: Array<BannerPlan | null> = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const server = http.createServer((req, res) => {
    if (options.reserved?.(req, res)) return;
    // Only codings the banner can see through may come back (no zstd page without a banner).
    const headers = { ...req.headers, host: target.host, 'accept-encoding': acceptEncodingForBanner(req.headers['accept-encoding']) };
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
      const status = upRes.statusCode ?? 502;
      const ctx = (options.context ?? testContext)(req);
      const plan = planBannerInjection(req.method ?? 'GET', status, upRes.headers, ctx, { requestHeaders: req.headers });
      plans.push(plan);
      res.setHeader(IMPERSONATING_HEADER, impersonatingHeaderValue(ctx.target.user));
      if (!plan) {
        res.writeHead(status, upRes.statusMessage, upRes.rawHeaders);
        pipeline(upRes, res, () => {});
        return;
      }
      res.writeHead(status, plan.headers);
      pipeline(upRes, plan.transform, res, () => {});
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    pipeline(req, up, () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    plans,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/** Starts a plain node:http server on 127.0.0.1:0; returns its origin and a closer. */
export async function startServer(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** A request with node:http, body returned still encoded (no decompression). */
export function rawRequest(url: string, init: { method?: string; headers?: http.OutgoingHttpHeaders } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('request timed out')));
    req.end();
  });
}
