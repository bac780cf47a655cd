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

// Label children bound once: a label lookup per request is measurable.
const KINDS = ['proxy', 'actas'] as const;
const counters = Object.fromEntries(KINDS.map((k) => [k, [1, 2, 3, 4, 5].map((c) => requests.labels(k, `${c}xx`))]));
const timers = Object.fromEntries(KINDS.map((k) => [k, duration.labels(k)]));

export function createRequestLog(rt: Runtime) {
  // Request lines carry a fixed set of fields and no secrets (the path without
  // its query), so they skip the redaction pass that costs more than the line.
  const log = rt.logger.child({ component: 'http' }, { redact: { paths: [], censor: '' } });
  const enabled = rt.config.log.requests;
  return (req: IncomingMessage, res: ServerResponse, scope: RequestScope): void => {
    res.once('finish', () => {
      const seconds = (performance.now() - scope.startedAt) / 1000;
      const kind = scope.upstream ? 'proxy' : 'actas';
      counters[kind]![Math.min(4, Math.max(0, Math.floor(res.statusCode / 100) - 1))]!.inc();
      timers[kind]!.observe(seconds);
      if (!enabled) return;
      log.info({
        requestId: scope.requestId, method: req.method, path: scope.path, status: res.statusCode,
        ms: Math.round(seconds * 10_000) / 10, ip: scope.clientIp, user: scope.identity?.user.user,
        actor: scope.identity?.actor?.user, upstream: scope.upstream?.name,
      }, 'request');
    });
  };
}
