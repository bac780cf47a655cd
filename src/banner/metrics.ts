// Banner counters on the shared registry: how many HTML responses got a
// banner, and why the others did not (an operator's first stop when a page
// shows no banner).
import { Counter } from 'prom-client';
import { registry } from '../ops/metrics.ts';

/** One count per planned or finished banner response, by outcome (e.g. injected, skipped-encoding). */
export const bannerResponses = new Counter({
  name: 'actas_banner_responses_total',
  help: 'HTML responses seen while impersonating, by banner outcome',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
