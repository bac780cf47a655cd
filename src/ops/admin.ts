// The admin listener: Prometheus metrics, kept off the public port.
import http from 'node:http';
import type { Runtime } from '../runtime.ts';
import { registry } from './metrics.ts';

export function createAdminServer(rt: Runtime): http.Server {
  return http.createServer(async (req, res) => {
    if (req.url === '/metrics' && req.method === 'GET') {
      try {
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(body);
      } catch (err) {
        rt.logger.error({ err: { message: (err as Error).message } }, 'metrics failed');
        res.writeHead(500).end();
      }
      return;
    }
    if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
}
