// Authenticates a service client at the token endpoint: HTTP Basic
// (client_secret_basic) or client_id + client_secret in the body
// (client_secret_post), exactly one of them. Secrets are compared in constant
// time, and an unknown client fails exactly like a wrong secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/schema.ts';
import { param, type FormParams } from './form-params.ts';
import { oauthError, type OAuthError } from './oauth-error.ts';

export type ClientAuthResult =
  | { ok: true; clientId: string }
  | { ok: false; error: OAuthError; /** The id the caller claimed, unverified (for the audit log). */ claimedId?: string };

// Digests make the comparison independent of the secrets' lengths.
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const NO_SUCH_CLIENT = digest('actas: no such client');

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function formDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | 'malformed' | undefined {
  if (!header || !/^basic(\s|$)/i.test(header)) return undefined; // no header, or another scheme
  const m = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!m) return 'malformed';
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return 'malformed';
  const id = formDecode(text.slice(0, colon));
  const secret = formDecode(text.slice(colon + 1));
  return id && secret !== undefined ? { id, secret } : 'malformed';
}

/** Which configured client sent this request, or the OAuth error that says it could not be told. */
export function authenticateClient(req: IncomingMessage, params: FormParams, clients: Config['clients']): ClientAuthResult {
  const basic = basicCredentials(req.headers.authorization);
  const postId = param(params, 'client_id');
  const postSecret = param(params, 'client_secret');
  const failed = (claimedId: string | undefined, description: string): ClientAuthResult =>
    ({ ok: false, error: oauthError('invalid_client', description, 'invalid-client'), ...(claimedId ? { claimedId } : {}) });

  if (basic === 'malformed') return failed(postId, 'The Basic credentials are malformed.');
  if (basic && postSecret !== undefined) {
    return { ok: false, error: oauthError('invalid_request', 'Use one client authentication method: HTTP Basic or client_secret in the body, not both.', 'several-client-auth-methods'), claimedId: basic.id };
  }
  if (basic && postId !== undefined && postId !== basic.id) {
    return { ok: false, error: oauthError('invalid_request', 'client_id in the body differs from the Basic credentials.', 'client-id-mismatch'), claimedId: basic.id };
  }
  const creds = basic ?? (postId !== undefined && postSecret !== undefined ? { id: postId, secret: postSecret } : undefined);
  if (!creds) return failed(postId, 'Client authentication is required (HTTP Basic or client_id and client_secret).');
  const client = clients.find((c) => c.id === creds.id);
  const equal = timingSafeEqual(digest(creds.secret), client ? digest(client.secret) : NO_SUCH_CLIENT);
  if (!client || !equal) return failed(creds.id, 'Client authentication failed.');
  return { ok: true, clientId: client.id };
}
