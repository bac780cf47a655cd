// One log line per request when it finishes: request id, method, path,
// status, duration, user and upstream. No headers, so nothing secret.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Runtime } from '../runtime.ts';
import type { RequestScope } from '../scope.ts';
import { Counter, Histogram } from 'prom-client';
import { registry } from './metrics.ts';

const requests = new Counter({ name: 'actas_requests_total', help: 'Requests answered, by kind and status class', labelNames: ['kind', 'status'] as const, registers: [registry] });
const duration = new Histogram({ name: 'actas_request_duration_seconds', help: 'Time to the end of the response', labelNames: ['kind'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers: [registry] });

export function createRequestLog(rt: Runtime) {
  const log = rt.logger.child({ component: 'http' });
  const enabled = rt.config.log.requests;
  return (req: IncomingMessage, res: ServerResponse, scope: RequestScope): void => {
    res.once('finish', () => {
      const seconds = (performance.now() - scope.startedAt) / 1000;
      const kind = scope.upstream ? 'proxy' : 'actas';
      const status = `${Math.floor(res.statusCode / 100)}xx`;
      requests.inc({ kind, status });
      duration.observe({ kind }, seconds);
      if (!enabled) return;
      log.info({
        requestId: scope.requestId, method: req.method, path: scope.path, status: res.statusCode,
        ms: Math.round(seconds * 10_000) / 10, ip: scope.clientIp, user: scope.identity?.user.user,
        actor: scope.identity?.actor?.user, upstream: scope.upstream?.name,
      }, 'request');
    });
  };
}
