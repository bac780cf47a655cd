// The audit log's Prometheus metrics, on the shared registry. Created once
// per process: several audit logs (tests, reloads) share them by sink label.
import { Counter, Gauge } from 'prom-client';
import { registry } from '../ops/metrics.ts';

export const auditMetrics = {
  events: new Counter({
    name: 'actas_audit_events_total',
    help: 'Audit events recorded, by type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  }),
  backlog: new Gauge({
    name: 'actas_audit_backlog',
    help: 'Audit events accepted but not yet stored by the sink (memory and spool)',
    labelNames: ['sink'] as const,
    registers: [registry],
  }),
  spoolBytes: new Gauge({
    name: 'actas_audit_spool_bytes',
    help: 'Undelivered bytes in the sink\'s spool on disk',
    labelNames: ['sink'] as const,
    registers: [registry],
  }),
  failures: new Counter({
    name: 'actas_audit_failures_total',
    help: 'Failed attempts to store audit events in a sink',
    labelNames: ['sink'] as const,
    registers: [registry],
  }),
  dropped: new Counter({
    name: 'actas_audit_dropped_total',
    help: 'Audit events a sink will never receive (spool full or unwritable)',
    labelNames: ['sink'] as const,
    registers: [registry],
  }),
  refused: new Counter({
    name: 'actas_audit_refused_total',
    help: 'Required audit events not stored in time; the action they authorised was refused',
    labelNames: ['type'] as const,
    registers: [registry],
  }),
};
