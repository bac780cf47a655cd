// Liveness (the process answers) and readiness (the session store and the
// audit sinks are reachable, so a load balancer stops sending traffic to a
// replica that would only answer 503).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from '../runtime.ts';

export function healthz(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end('{"status":"ok"}');
}

export function createReadiness(rt: Runtime) {
  return async function readyz(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    if (rt.redis) {
      try {
        await rt.redis.ping();
        checks.store = { ok: true };
      } catch (err) {
        checks.store = { ok: false, detail: `redis: ${(err as Error).message}` };
      }
    } else {
      checks.store = { ok: true, detail: 'memory' };
    }
    try {
      const audit = await rt.audit.health();
      checks.audit = audit.ok ? { ok: true, detail: `backlog ${audit.backlog}` } : { ok: false, detail: `backlog ${audit.backlog}` };
    } catch (err) {
      checks.audit = { ok: false, detail: (err as Error).message };
    }
    const ok = Object.values(checks).every((c) => c.ok);
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ status: ok ? 'ready' : 'unavailable', checks }));
  };
}
