// Assembles the act-as layer for one process: the shared state (Redis or
// memory), directory, policy, active index, lifecycle and expiry sweeper, and
// the stages, response hooks and routes it adds to the request path.
import type { Runtime } from '../runtime.ts';
import type { Stage } from '../stage.ts';
import type { SessionEndHook } from '../identity/resolve.ts';
import type { Router } from 'express';
import type { ResponseHook } from '../proxy/response.ts';
import type { SocketRegistry } from '../proxy/websockets.ts';
import type { LoginEvents } from '../auth/routes.ts';
import { createMemoryState, createRedisState } from '../session/shared-state.ts';
import { createDirectory, loadDirectoryFile } from '../identity/directory.ts';
import { createSessionHasher } from '../headers/assertion.ts';
import { createCookieJarHook } from '../proxy/cookie-jar.ts';
import { sessionSecrets } from '../session/middleware.ts';
import { createPolicy, type Policy } from './policy.ts';
import { createActiveIndex } from './active-index.ts';
import { createLifecycle } from './lifecycle.ts';
import { startSweeper } from './sweeper.ts';
import { createImpersonationResolver, createImpersonationGuard } from './stages.ts';
import { createImpersonationRoutes } from './routes.ts';
import { createImpersonationResponseHook } from './response-hooks.ts';
import { createAuditRoutes } from './auditor-routes.ts';
import type { ActiveIndex, Directory } from './types.ts';

export interface Impersonation {
  policy: Policy;
  directory: Directory;
  active: ActiveIndex;
  stages: { resolveImpersonation: Stage; guardImpersonation: Stage; onSessionEnd: SessionEndHook };
  responseHooks: ResponseHook[];
  loginEvents: LoginEvents;
  routers: Router[];
  stop(): void;
}

export function createImpersonation(rt: Runtime, sockets: SocketRegistry): Impersonation {
  const { config } = rt;
  const shared = rt.redis ? createRedisState(rt.redis, config.session.redis.prefix) : createMemoryState();
  const directory = createDirectory(shared, config.directory.file ? loadDirectoryFile(config.directory.file) : []);
  const policy = createPolicy(config);
  const active = createActiveIndex(shared);
  const lifecycle = createLifecycle({ rt, policy, directory, active, sockets, hashSession: createSessionHasher(config.session.secret) });
  const sweeper = startSweeper(rt, active, shared, sockets);
  return {
    policy,
    directory,
    active,
    stages: {
      resolveImpersonation: createImpersonationResolver(rt, policy, active, lifecycle),
      guardImpersonation: createImpersonationGuard(rt),
      // A session that times out takes its impersonation with it, recorded as such.
      onSessionEnd: async (x) => {
        if (x.scope.session?.impersonation) await lifecycle.end(x.req, x.scope.session, 'session-end', { regenerate: false });
      },
    },
    responseHooks: [createCookieJarHook(sessionSecrets(config)[0]!), createImpersonationResponseHook(rt)],
    loginEvents: {
      onLogin: (user) => directory.record(user),
      onLogout: async (sessionId, req) => {
        await lifecycle.end(req, req.session, 'logout', { regenerate: false });
        sockets.closeSession(sessionId);
      },
    },
    routers: [
      createImpersonationRoutes({ rt, policy, directory, active, lifecycle, sockets }),
      createAuditRoutes(rt, policy),
    ],
    stop: () => sweeper.stop(),
  };
}
