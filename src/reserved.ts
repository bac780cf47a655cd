// The reserved routes under the prefix (and /.well-known/actas/): an express
// app that is never on the proxied path. Health and keys need no session;
// everything else gets one.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from './runtime.ts';
import { healthz, createReadiness } from './ops/health.ts';
import { createAuthRoutes, type LoginEvents } from './auth/routes.ts';
import { sendProblem } from './console/error-page.ts';
import { ActasError } from './errors.ts';
import { scopeOf } from './scope.ts';
import { storeUnavailable } from './session/load.ts';

export interface ReservedParts {
  jwks?: (req: IncomingMessage, res: ServerResponse) => void;
  loginEvents?: LoginEvents;
  /** Routes added by later layers (impersonation, console, audit), mounted under the prefix. */
  routers?: express.Router[];
}

/** True when the normalised path is reserved for actas. */
export function createReservedMatcher(prefix: string): (path: string) => boolean {
  const bare = prefix.slice(0, -1);
  return (path) => path.startsWith(prefix) || path === bare || path.startsWith('/.well-known/actas/');
}

export function createReservedApp(rt: Runtime, parts: ReservedParts): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const p = rt.config.prefix;
  const log = rt.logger.child({ component: 'routes' });

  app.get(`${p}healthz`, healthz);
  app.get(`${p}readyz`, createReadiness(rt));
  if (parts.jwks) app.get(['/.well-known/actas/jwks.json', `${p}jwks.json`], parts.jwks);

  app.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      await rt.sessions.load(req, res);
      next();
    } catch (err) {
      log.error({ requestId: scopeOf(req).requestId, err: { message: (err as Error).message } }, 'session store unavailable');
      sendProblem(req, res, storeUnavailable(scopeOf(req).requestId), { 'retry-after': '5' });
    }
  });
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(p.slice(0, -1), createAuthRoutes(rt, parts.loginEvents), ...(parts.routers ?? []));
  app.get(p.slice(0, -1), (_req, res) => res.redirect(302, p));

  app.use((req: Request, res: Response) => {
    sendProblem(req, res, { status: 404, code: 'not-found', title: 'Not found', detail: 'There is no actas page at this address.', requestId: scopeOf(req).requestId });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = scopeOf(req).requestId;
    const e = err instanceof ActasError ? err : undefined;
    const status = e?.status ?? ((err as { status?: number }).status && (err as { status: number }).status < 500 ? (err as { status: number }).status : 500);
    if (status >= 500) log.error({ requestId, err: { message: (err as Error).message, code: e?.code } }, 'request failed');
    sendProblem(req, res, {
      status,
      code: e?.code ?? (status < 500 ? 'bad-request' : 'internal-error'),
      title: status === 503 ? 'Temporarily unavailable' : status < 500 ? 'Request refused' : 'Something went wrong',
      // Client mistakes and outages say what happened; internal faults say nothing more.
      detail: status < 500 || status === 503 ? (err as Error).message : 'actas could not complete this request. Quote the request id to your administrators.',
      requestId,
    });
  });
  return app;
}
