// The audit log's errors. AuditUnavailableError is what a caller sees when a
// required event could not be stored: it must refuse the action (503).
import { ActasError, UnavailableError } from '../errors.ts';

/** A required sink did not store a required event in time: refuse the action. */
export class AuditUnavailableError extends UnavailableError {
  constructor(message: string, cause?: unknown) {
    super('ERR_ACTAS_AUDIT_UNAVAILABLE', message, cause);
  }
}

/** The caller passed a type or outcome outside the vocabulary: a bug, never written. */
export class AuditInputError extends ActasError {
  constructor(message: string) {
    super('ERR_ACTAS_AUDIT_INVALID_EVENT', message);
  }
}

/** The audit log's spool directory is held by another running process. */
export class AuditSpoolLockedError extends ActasError {
  constructor(message: string) {
    super('ERR_ACTAS_AUDIT_SPOOL_LOCKED', message);
  }
}
