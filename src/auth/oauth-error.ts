// Error answers of the token endpoint in the shape OAuth clients parse
// (RFC 6749 §5.2, RFC 8693 §2.2.2): `error`, `error_description`, never
// cached, and the status each code calls for.
import type { ServerResponse } from 'node:http';

export type OAuthErrorCode =
  | 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'unauthorized_client'
  | 'invalid_target' | 'access_denied' | 'temporarily_unavailable';

export interface OAuthError {
  error: OAuthErrorCode;
  description: string;
  /** Kebab-case reasons (policy codes or the check that failed), for the client and the audit log. */
  reasons: string[];
}

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400, invalid_client: 401, unsupported_grant_type: 400, unauthorized_client: 400,
  invalid_target: 400, access_denied: 403, temporarily_unavailable: 503,
};

export function oauthError(error: OAuthErrorCode, description: string, ...reasons: string[]): OAuthError {
  return { error, description, reasons };
}

/** Sends the error as JSON. invalid_client carries no reasons: it must not tell a wrong secret from an unknown client. */
export function sendOAuthError(res: ServerResponse, err: OAuthError, requestId: string): void {
  const body: Record<string, unknown> = { error: err.error, error_description: err.description };
  if (err.error !== 'invalid_client' && err.reasons.length) body.reasons = err.reasons;
  body.requestId = requestId;
  const json = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'cache-control': 'no-store', pragma: 'no-cache',
  };
  if (err.error === 'invalid_client') headers['www-authenticate'] = 'Basic realm="actas", charset="UTF-8"';
  if (err.error === 'temporarily_unavailable') headers['retry-after'] = '5';
  res.writeHead(STATUS[err.error], headers);
  res.end(json);
}
