// The audit log's public surface: the event schema, the delivery table, the
// factory and the helpers other parts of actas use (session id hashing,
// chain verification, the auditors' HTTP handler lives in ./http.ts).
export { AUDIT_FIELDS, AUDIT_OUTCOMES, AUDIT_TYPES, AUDIT_VERSION } from './types.ts';
export type {
  AuditEvent, AuditEventInput, AuditField, AuditHealth, AuditLog, AuditOutcome, AuditPrincipal,
  AuditQuery, AuditRecord, AuditSinkHealth, AuditType,
} from './types.ts';
export { DELIVERY, type DeliveryMode } from './delivery.ts';
export { createAuditLog, type AuditLogOptions } from './log.ts';
export { hashSessionId } from './event.ts';
export { GENESIS, canonicalJson, hashEvent, serializeEvent } from './canonical.ts';
export { ChainVerifier } from './chain.ts';
export { AuditInputError, AuditSpoolLockedError, AuditUnavailableError } from './errors.ts';
