// The OIDC relying party (openid-client): discovery (cached, retried after a
// failure so an IdP outage heals by itself), authorization code + PKCE +
// state + nonce, claim mapping with userinfo fallback, refresh, end-session.
import * as client from 'openid-client';
import type { Config } from '../config/schema.ts';
import type { UserIdentity } from '../identity/types.ts';
import type { OidcTokens, PendingLogin } from '../session/types.ts';
import type { Logger } from '../ops/logger.ts';
import { UnavailableError, BadRequestError } from '../errors.ts';
import { claimsIncomplete, mapClaims } from './claims.ts';

const RETRY_DISCOVERY_AFTER = 2_000;

export interface LoginResult { user: UserIdentity; tokens: OidcTokens }

export interface OidcClient {
  readonly redirectUri: string;
  /** Builds the IdP authorization URL and the state to keep in the session. */
  startLogin(returnTo: string): Promise<{ url: URL; pending: PendingLogin }>;
  /** Exchanges the code; throws BadRequestError (400) for anything the client or IdP got wrong. */
  finishLogin(callbackUrl: URL, pending: PendingLogin): Promise<LoginResult>;
  /** Uses the refresh token; returns fresh tokens and the user as the IdP now sees them. */
  refresh(tokens: OidcTokens, sub: string): Promise<LoginResult>;
  /** The IdP's end-session URL when it has one (RP-initiated logout). */
  endSessionUrl(idToken: string | undefined, postLogoutRedirectUri: string): Promise<URL | undefined>;
}

export function createOidcClient(config: Config, logger: Logger): OidcClient {
  const log = logger.child({ component: 'oidc' });
  const redirectUri = new URL(`${config.prefix}callback`, config.publicUrl).href;
  let discovered: client.Configuration | undefined;
  let pending: Promise<client.Configuration> | undefined;
  let failedAt = 0;

  async function discover(): Promise<client.Configuration> {
    if (discovered) return discovered;
    if (pending) return pending;
    if (Date.now() - failedAt < RETRY_DISCOVERY_AFTER) {
      throw new UnavailableError('ERR_ACTAS_IDP_UNREACHABLE', 'the identity provider is not reachable; try again shortly');
    }
    const issuer = new URL(config.oidc.issuer);
    const auth = config.oidc.clientSecret ? client.ClientSecretBasic(config.oidc.clientSecret) : client.None();
    const insecure = issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {};
    pending = client.discovery(issuer, config.oidc.clientId, undefined, auth, { ...insecure, timeout: 10 })
      .then((c) => {
        discovered = c;
        log.info({ issuer: issuer.href }, 'identity provider discovered');
        return c;
      }, (err: unknown) => {
        failedAt = Date.now();
        log.error({ err: { message: (err as Error).message }, issuer: issuer.href }, 'identity provider discovery failed');
        throw new UnavailableError('ERR_ACTAS_IDP_UNREACHABLE', 'the identity provider is not reachable; try again shortly', err);
      })
      .finally(() => { pending = undefined; });
    return pending;
  }

  async function toResult(c: client.Configuration, response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, previous?: { tokens: OidcTokens; sub: string }): Promise<LoginResult> {
    // A refresh response may carry no ID token: then userinfo says who the user is now.
    let claims: Record<string, unknown> = { ...(response.claims() ?? {}) };
    const sub = (claims.sub as string | undefined) ?? previous?.sub;
    if (!sub) throw new Error('the token response has no ID token');
    if ((claimsIncomplete(config, claims) || !claims.sub) && response.access_token && c.serverMetadata().userinfo_endpoint) {
      const info = await client.fetchUserInfo(c, response.access_token, sub);
      claims = { ...info, ...claims };
    }
    const tokens: OidcTokens = {
      accessToken: response.access_token,
      refreshToken: response.refresh_token ?? previous?.tokens.refreshToken,
      idToken: response.id_token ?? previous?.tokens.idToken,
    };
    const expiresIn = response.expiresIn();
    if (expiresIn !== undefined) tokens.expiresAt = Date.now() + expiresIn * 1000;
    return { user: mapClaims(config, claims), tokens };
  }

  return {
    redirectUri,
    async startLogin(returnTo) {
      const c = await discover();
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri,
        scope: config.oidc.scopes.join(' '),
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url, pending: { state, nonce, codeVerifier, returnTo, startedAt: Date.now() } };
    },
    async finishLogin(callbackUrl, p) {
      const c = await discover();
      let response;
      try {
        response = await client.authorizationCodeGrant(c, callbackUrl, {
          pkceCodeVerifier: p.codeVerifier,
          expectedState: p.state,
          expectedNonce: p.nonce,
          idTokenExpected: true,
        });
      } catch (err) {
        // The IdP refused the code (replayed, expired) or the ID token failed a check.
        const e = err as Error & { code?: string; error?: string };
        if (e instanceof client.ClientError || e.error || e.code?.startsWith('OAUTH_')) {
          throw new BadRequestError('ERR_ACTAS_LOGIN_REJECTED', `the sign-in could not be completed (${e.error ?? e.code ?? 'rejected'})`);
        }
        throw new UnavailableError('ERR_ACTAS_IDP_UNREACHABLE', 'the identity provider did not answer the sign-in', err);
      }
      return toResult(c, response);
    },
    async refresh(tokens, sub) {
      const c = await discover();
      if (!tokens.refreshToken) throw new Error('no refresh token');
      const response = await client.refreshTokenGrant(c, tokens.refreshToken);
      const result = await toResult(c, response, { tokens, sub });
      if (result.user.sub !== sub) throw new BadRequestError('ERR_ACTAS_REFRESH_SUBJECT', 'the refreshed identity is a different subject');
      return result;
    },
    async endSessionUrl(idToken, postLogoutRedirectUri) {
      if (!config.oidc.rpInitiatedLogout) return undefined;
      const c = await discover();
      if (!c.serverMetadata().end_session_endpoint) return undefined;
      const params: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri, client_id: config.oidc.clientId };
      if (idToken) params.id_token_hint = idToken;
      return client.buildEndSessionUrl(c, params);
    },
  };
}
