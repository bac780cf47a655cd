// Guards a node:http or express upstream: a request without a valid actas
// assertion is answered 401 (503 when the keys cannot be fetched) and never
// reaches the handler; a valid one carries its identity to the handler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ActasError } from '../errors.ts';
import type { AssertionIdentity, AssertionVerifier } from './verifier.ts';

const identities = new WeakMap<IncomingMessage, AssertionIdentity>();

/** The identity `requireAssertion` verified for this request, if any. */
export function assertionOf(req: IncomingMessage): AssertionIdentity | undefined {
  return identities.get(req);
}

export interface RequireAssertionOptions {
  /** Called with every refusal, e.g. to log `err.code` and `err.reason`; the token is never passed. */
  onError?: (err: ActasError, req: IncomingMessage) => void;
}

/** Verifies, then calls `next()` or answers the refusal itself. */
export type AssertionGuard = (req: IncomingMessage, res: ServerResponse, next: () => void) => Promise<void>;

function refuse(res: ServerResponse, err: ActasError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const label = err.status === 401 ? 'unauthorized' : err.status === 503 ? 'unavailable' : 'error';
  const body = JSON.stringify({ error: label, code: err.code });
  res.writeHead(err.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * Middleware `(req, res, next)` that verifies the assertion before `next()`
 * runs; read the result with `assertionOf(req)`. Works as express middleware
 * and in a plain node:http handler: `guard(req, res, () => app(req, res))`.
 */
export function requireAssertion(verifier: AssertionVerifier, options: RequireAssertionOptions = {}): AssertionGuard {
  return async (req, res, next) => {
    let identity: AssertionIdentity;
    try {
      identity = await verifier.verify(req.headers);
    } catch (err) {
      // Anything unexpected still refuses: fail closed.
      const failure = err instanceof ActasError ? err : new ActasError('ERR_ACTAS_ASSERTION_UNVERIFIED', 'assertion could not be verified', { cause: err });
      options.onError?.(failure, req);
      refuse(res, failure);
      return;
    }
    identities.set(req, identity);
    next();
  };
}
