// Stage: choose the upstream for the normalised path (404 when none claims
// it), mark public paths, and forward the normalised path, not the raw one,
// so the upstream sees exactly what was checked.
import type { Exchange, StageResult } from '../stage.ts';
import { DONE, NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import { createUpstreamMatcher } from './route.ts';
import { createPublicMatcher } from '../auth/access.ts';
import { queryOf } from './path.ts';
import { sendProblem } from '../console/error-page.ts';

export function createRouting(rt: Runtime) {
  const match = createUpstreamMatcher(rt.config.upstreams);
  const isPublic = createPublicMatcher(rt.config.access.public);
  return function routeUpstream(x: Exchange): StageResult {
    const { scope, req } = x;
    const upstream = match(req.headers.host, scope.path);
    if (!upstream || (x.upgrade && !upstream.websocket)) {
      sendProblem(req, x.res, { status: 404, code: 'no-upstream', title: 'Not found', detail: 'No application is configured for this address.', requestId: scope.requestId });
      return DONE;
    }
    scope.upstream = upstream;
    scope.isPublic = isPublic(scope.path);
    req.url = scope.path + queryOf(req.url ?? '');
    return NEXT;
  };
}
