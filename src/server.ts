// Builds one actas process: the long-lived services (store, IdP client,
// signer, audit), the reserved routes, and the front door that sends every
// other request (and websocket upgrade) down the pipeline.
import http, { ServerResponse, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Config } from './config/schema.ts';
import { createLogger, flushLogger, type Logger } from './ops/logger.ts';
import { connectRedis } from './session/redis.ts';
import { createSessionLayer } from './session/middleware.ts';
import { createOidcClient } from './auth/oidc.ts';
import { createAssertionSigner } from './headers/assertion.ts';
import { jwksHandler } from './headers/jwks.ts';
import { createAuditLog, type AuditQuery } from './audit/index.ts';
import { createForwarder } from './proxy/forward.ts';
import { SocketRegistry } from './proxy/websockets.ts';
import { normalisePath, queryOf } from './proxy/path.ts';
import { buildPipeline, runPipeline } from './pipeline.ts';
import { createReservedApp, createReservedMatcher } from './reserved.ts';
import { setScope, type RequestScope } from './scope.ts';
import type { Exchange } from './stage.ts';
import type { Runtime } from './runtime.ts';
import { sendProblem } from './console/error-page.ts';
import { createAdminServer } from './ops/admin.ts';
import { clientIpOf } from './ops/client-ip.ts';
import { createRequestLog } from './ops/request-log.ts';
import { createConsoleRouter } from './console/routes.ts';
import { createImpersonation } from './impersonation/index.ts';
import { createTokenExchangeRouter } from './auth/token-exchange.ts';
import { createBearerResolver } from './auth/bearer.ts';

export interface ActasOptions {
  logger?: Logger;
  /** The demo may run without configured keys: an ephemeral one is generated. */
  allowEphemeralKey?: boolean;
}

export interface Actas {
  runtime: Runtime;
  server: http.Server;
  admin?: http.Server;
  /** Starts listening; resolves with the bound public URL (port 0 gets a real port). */
  listen(): Promise<{ url: string; adminUrl?: string }>;
  /** Graceful stop: no new connections, in-flight requests finish (up to graceMs). */
  close(graceMs?: number): Promise<void>;
}

export async function createActas(config: Config, options: ActasOptions = {}): Promise<Actas> {
  const logger = options.logger ?? createLogger(config.log.level);
  const redis = config.session.store === 'redis'
    ? await connectRedis(config.session.redis.url, config.session.redis.connectTimeout, logger)
    : undefined;
  const audit = await createAuditLog(config, logger);
  const signer = await createAssertionSigner(config, logger, { allowEphemeral: options.allowEphemeralKey ?? false });
  const rt: Runtime = {
    config,
    logger,
    publicOrigin: new URL(config.publicUrl).origin,
    sessions: createSessionLayer(config, redis),
    oidc: createOidcClient(config, logger),
    audit,
    ...(redis ? { redis } : {}),
    ...(signer ? { signer } : {}),
  };
  const sockets = new SocketRegistry();
  const imp = createImpersonation(rt, sockets);
  const { policy, directory, active } = imp;
  const forwarder = createForwarder(rt, imp.responseHooks, sockets);
  const stages = buildPipeline(rt, {
    forwarder,
    ...(signer ? { resolveBearer: createBearerResolver(rt, { signer, policy, directory, active, sockets }) } : {}),
    ...imp.stages,
  });
  const reserved = createReservedApp(rt, {
    ...(signer ? { jwks: jwksHandler(signer) } : {}),
    loginEvents: imp.loginEvents,
    routers: [
      // Token exchange signs with the assertion keys: without them there is no /token.
      ...(signer ? [createTokenExchangeRouter({ rt, signer, policy, directory, active })] : []),
      ...imp.routers,
      createConsoleRouter({ rt, policy, directory, active, auditQuery: async (filter) => (await audit.query(filter as AuditQuery)) as unknown as Array<Record<string, unknown>> }),
    ],
  });
  const isReserved = createReservedMatcher(config.prefix);
  // The public scheme is decided by publicUrl, not by the client: the session
  // layer reads it here (for Secure cookies) and the upstream receives it.
  const publicProto = new URL(config.publicUrl).protocol.slice(0, -1);
  const requestLog = createRequestLog(rt);

  function newScope(req: IncomingMessage, path: string, upgrade: boolean): RequestScope {
    return setScope(req, {
      requestId: randomUUID(),
      startedAt: performance.now(),
      path,
      clientIp: clientIpOf(req, config.trustProxyHops),
      isPublic: false,
      upgrade,
    });
  }

  function badPath(req: IncomingMessage, res: ServerResponse, scope: RequestScope): void {
    sendProblem(req, res, { status: 400, code: 'bad-path', title: 'Bad request', detail: 'The request path is malformed (bad percent-encoding, an encoded slash or a control character).', requestId: scope.requestId });
  }

  const server = http.createServer({ requestTimeout: 300_000, headersTimeout: 30_000, keepAliveTimeout: 65_000 }, (req, res) => {
    const path = normalisePath(req.url ?? '/');
    const scope = newScope(req, path ?? '/', false);
    req.headers['x-forwarded-proto'] = publicProto;
    res.setHeader(config.identity.headers.requestId, scope.requestId);
    requestLog(req, res, scope);
    if (path === undefined) return badPath(req, res, scope);
    if (isReserved(path)) {
      req.url = path + queryOf(req.url ?? '');   // the routes see the path that was matched
      return void reserved(req, res);
    }
    runPipeline(stages, { req, res, scope }).catch((err: unknown) => {
      logger.error({ requestId: scope.requestId, err: { message: (err as Error).message, stack: (err as Error).stack } }, 'pipeline failed');
      sendProblem(req, res, { status: 500, code: 'internal-error', title: 'Something went wrong', detail: 'actas could not complete this request. Quote the request id to your administrators.', requestId: scope.requestId });
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // A response bound to the socket lets every stage refuse an upgrade as plain HTTP.
    const res = new ServerResponse(req);
    res.assignSocket(socket as never);
    res.shouldKeepAlive = false;
    res.on('finish', () => socket.end());
    const path = normalisePath(req.url ?? '/');
    const scope = newScope(req, path ?? '/', true);
    req.headers['x-forwarded-proto'] = publicProto;
    if (path === undefined) return badPath(req, res, scope);
    if (isReserved(path)) {
      sendProblem(req, res, { status: 404, code: 'not-found', title: 'Not found', detail: 'actas routes do not accept websockets.', requestId: scope.requestId });
      return;
    }
    const x: Exchange = { req, res, scope, upgrade: { socket, head } };
    runPipeline(stages, x).catch((err: unknown) => {
      logger.error({ requestId: scope.requestId, err: { message: (err as Error).message } }, 'upgrade failed');
      socket.destroy();
    });
  });

  const admin = config.admin.port !== undefined ? createAdminServer(rt) : undefined;

  return {
    runtime: rt,
    server,
    ...(admin ? { admin } : {}),
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.listen.port, config.listen.host, () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      const url = `http://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${port}`;
      let adminUrl: string | undefined;
      if (admin) {
        await new Promise<void>((resolve, reject) => {
          admin.once('error', reject);
          admin.listen(config.admin.port, config.admin.host, () => resolve());
        });
        adminUrl = `http://${config.admin.host}:${(admin.address() as AddressInfo).port}`;
      }
      logger.info({ url, publicUrl: config.publicUrl, adminUrl, store: config.session.store, upstreams: config.upstreams.map((u) => u.name) }, 'actas listening');
      return adminUrl ? { url, adminUrl } : { url };
    },
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      sockets.closeAll();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      if (admin) await new Promise<void>((resolve) => admin.close(() => resolve()));
      imp.stop();
      forwarder.close();
      rt.sessions.close();
      await audit.close();
      if (redis) await redis.close().catch(() => undefined);
      await flushLogger(logger);
    },
  };
}
