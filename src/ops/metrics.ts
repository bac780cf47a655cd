// One Prometheus registry for actas, served on the admin listener only.
import { Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'actas_process_' });
