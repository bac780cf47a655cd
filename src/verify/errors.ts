// Why an upstream refused an assertion, as stable codes: missing (401),
// invalid for any reason the token carries (401, with the jose cause and its
// code as `reason`), or the JWKS could not be fetched (503, fail closed).
import { ActasError } from '../errors.ts';

/** No assertion header on the request. */
export class AssertionMissingError extends ActasError {
  constructor(header: string) {
    super('ERR_ACTAS_ASSERTION_MISSING', `the ${header} header is missing`, { status: 401 });
  }
}

/** The assertion is not one actas signed for this audience, or it has expired. */
export class AssertionInvalidError extends ActasError {
  /** The jose error code (e.g. ERR_JWT_EXPIRED), or a kebab-case reason of our own. */
  readonly reason: string;
  constructor(reason: string, message: string, cause?: unknown) {
    super('ERR_ACTAS_ASSERTION_INVALID', `invalid identity assertion: ${message}`, { status: 401, cause });
    this.reason = reason;
  }
}

/** The JWK Set could not be fetched or read, so nothing can be verified. */
export class AssertionKeysUnavailableError extends ActasError {
  constructor(cause: unknown) {
    super('ERR_ACTAS_ASSERTION_JWKS_UNAVAILABLE', `cannot fetch the actas JWK Set: ${(cause as Error)?.message ?? String(cause)}`, { status: 503, cause });
  }
}
