// Reads an RFC 8693 token exchange request into what actas acts on: the
// user to act as (requested_subject, by immutable sub), the reason, the
// upstreams (audience) and the lifetime. subject_token and actor_token are
// not accepted: the authenticated client is the actor, and nobody else's
// token is traded in.
import type { Config } from '../config/schema.ts';
import { ACCESS_TOKEN_TYPE } from './access-token.ts';
import { param, type FormParams } from './form-params.ts';
import { oauthError, type OAuthError } from './oauth-error.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

export interface TokenExchangeRequest {
  /** The target's sub. */
  subject: string;
  reason: string;
  /** Upstream names, without duplicates; absent: every upstream. */
  audience?: string[];
  /** Requested lifetime in seconds (capped later by the rule). */
  expiresIn?: number;
}

export type ParsedTokenRequest = { ok: true; request: TokenExchangeRequest } | { ok: false; error: OAuthError };

/** Checks the parameters in a fixed order and reports the first problem. */
export function parseTokenExchange(params: FormParams, config: Config): ParsedTokenRequest {
  const fail = (error: OAuthError): ParsedTokenRequest => ({ ok: false, error });
  const grantType = param(params, 'grant_type');
  if (grantType === undefined) return fail(oauthError('invalid_request', 'grant_type is required.', 'grant-type-missing'));
  if (grantType !== TOKEN_EXCHANGE_GRANT) {
    return fail(oauthError('unsupported_grant_type', `Only ${TOKEN_EXCHANGE_GRANT} is supported.`, 'unsupported-grant-type'));
  }
  if (params.has('subject_token') || params.has('subject_token_type')) {
    return fail(oauthError('invalid_request', 'subject_token is not accepted: authenticate as the client and name the user to act as with requested_subject (their sub).', 'subject-token-not-accepted'));
  }
  if (params.has('actor_token') || params.has('actor_token_type')) {
    return fail(oauthError('invalid_request', 'actor_token is not accepted: the authenticated client is the actor.', 'actor-token-not-accepted'));
  }
  const tokenType = param(params, 'requested_token_type');
  if (tokenType !== undefined && tokenType !== ACCESS_TOKEN_TYPE) {
    return fail(oauthError('invalid_request', `requested_token_type must be ${ACCESS_TOKEN_TYPE}.`, 'requested-token-type-unsupported'));
  }
  const subject = param(params, 'requested_subject');
  if (subject === undefined) return fail(oauthError('invalid_request', 'requested_subject (the sub of the user to act as) is required.', 'requested-subject-missing'));

  if (params.has('resource')) {
    return fail(oauthError('invalid_target', 'resource is not supported: name upstreams with audience.', 'resource-not-supported'));
  }
  const names = new Set(config.upstreams.map((u) => u.name));
  const audience = params.get('audience');
  const unknown = audience?.find((a) => !names.has(a));
  if (unknown !== undefined) return fail(oauthError('invalid_target', 'audience names no configured upstream.', 'unknown-audience'));

  const reason = (param(params, 'reason') ?? '').trim();
  const min = config.impersonation.requireReason.minLength;
  if (reason === '') return fail(oauthError('invalid_request', `reason is required (at least ${min} characters).`, 'reason-missing'));
  if (reason.length < min) return fail(oauthError('invalid_request', `reason must be at least ${min} characters.`, 'reason-too-short'));
  if (reason.length > config.audit.maxFieldLength) {
    return fail(oauthError('invalid_request', `reason must be at most ${config.audit.maxFieldLength} characters.`, 'reason-too-long'));
  }

  const expiresIn = param(params, 'expires_in');
  if (expiresIn !== undefined && !/^[1-9][0-9]{0,8}$/.test(expiresIn)) {
    return fail(oauthError('invalid_request', 'expires_in must be a positive whole number of seconds.', 'expires-in-invalid'));
  }
  return {
    ok: true,
    request: {
      subject, reason,
      ...(audience ? { audience: [...new Set(audience)] } : {}),
      ...(expiresIn !== undefined ? { expiresIn: Number(expiresIn) } : {}),
    },
  };
}
