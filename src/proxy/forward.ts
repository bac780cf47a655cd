// Forwards a request that passed every stage to its upstream through
// http-proxy-middleware: keep-alive agents, timeouts, websockets, and the
// response written by actas itself (selfHandleResponse) so hooks can act.
// Upstream down gives 502, upstream silent past its timeout gives 504.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import type { UpstreamConfig } from '../config/schema.ts';
import type { Runtime } from '../runtime.ts';
import type { Exchange, StageResult } from '../stage.ts';
import { DONE } from '../stage.ts';
import { scopeOf } from '../scope.ts';
import { sendProblem } from '../console/error-page.ts';
import { sendUpstreamResponse, type ResponseHook } from './response.ts';
import type { SocketRegistry } from './websockets.ts';
import { sessionIdOf } from '../session/middleware.ts';

interface UpstreamProxy {
  handler: RequestHandler;
  agent: http.Agent;
}

export interface Forwarder {
  forward(x: Exchange): StageResult;
  close(): void;
}

export function createForwarder(rt: Runtime, hooks: readonly ResponseHook[], sockets: SocketRegistry): Forwarder {
  const exchanges = new WeakMap<IncomingMessage, Exchange>();
  const timedOut = new WeakSet<IncomingMessage>();
  const log = rt.logger.child({ component: 'proxy' });

  function onError(err: Error, req: IncomingMessage, res: ServerResponse | Socket | undefined, upstream: UpstreamConfig): void {
    const scope = scopeOf(req);
    const timeout = timedOut.has(req);
    log.warn({ requestId: scope.requestId, upstream: upstream.name, err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, timeout ? 'upstream timed out' : 'upstream unreachable');
    const x = exchanges.get(req);
    if (!x || !res) return;
    if (x.upgrade) {
      // The upgrade response was never started; answer it as plain HTTP.
      if (!x.res.headersSent) sendProblem(req, x.res, upstreamProblem(timeout, upstream, scope.requestId));
      x.upgrade.socket.end();
      return;
    }
    sendProblem(req, x.res, upstreamProblem(timeout, upstream, scope.requestId));
  }

  function build(upstream: UpstreamConfig): UpstreamProxy {
    const isHttps = upstream.url.startsWith('https:');
    const agent = new (isHttps ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, timeout: 60_000 });
    const handler = createProxyMiddleware<IncomingMessage, ServerResponse>({
      target: upstream.url,
      changeOrigin: !upstream.preserveHost,
      agent,
      xfwd: false,              // set by actas from what it trusts, not appended blindly
      ws: false,                // never auto-subscribe to upgrades: actas authenticates them first
      selfHandleResponse: true,
      proxyTimeout: upstream.timeout,
      upgradeTimeout: upstream.timeout,
      ejectPlugins: true,       // actas writes its own errors and logs
      plugins: [(server) => {
        server.on('error', (err, req, res) => onError(err, req as IncomingMessage, res as ServerResponse | Socket | undefined, upstream));
        server.on('econnreset', () => { /* the client went away; nothing to answer */ });
        server.on('proxyReq', (proxyReq, req) => {
          proxyReq.once('timeout', () => timedOut.add(req));
        });
        server.on('proxyRes', (proxyRes, req) => {
          const x = exchanges.get(req);
          if (x) sendUpstreamResponse(x, proxyRes, hooks);
        });
      }],
    });
    return { handler, agent };
  }

  const proxies = new Map(rt.config.upstreams.map((u) => [u.name, build(u)]));

  return {
    forward(x) {
      const upstream = x.scope.upstream!;
      const proxy = proxies.get(upstream.name)!;
      exchanges.set(x.req, x);
      if (x.upgrade) {
        const sid = sessionIdOf(x.req);
        if (sid) sockets.add(sid, x.upgrade.socket, x.scope.identity?.impersonation?.id);
        x.res.detachSocket(x.upgrade.socket as Socket);
        proxy.handler.upgrade(x.req, x.upgrade.socket as Socket, x.upgrade.head);
      } else {
        void proxy.handler(x.req, x.res);
      }
      return DONE;
    },
    close() {
      for (const p of proxies.values()) p.agent.destroy();
    },
  };
}

function upstreamProblem(timeout: boolean, upstream: UpstreamConfig, requestId: string) {
  return timeout
    ? { status: 504, code: 'upstream-timeout', title: 'The application did not answer in time', detail: `The application "${upstream.name}" did not answer within ${Math.round(upstream.timeout / 1000)} s. Try again; if it keeps happening, quote the request id to its administrators.`, requestId }
    : { status: 502, code: 'upstream-unavailable', title: 'The application is not reachable', detail: `actas could not reach the application "${upstream.name}". Try again shortly; if it keeps happening, quote the request id to its administrators.`, requestId };
}
