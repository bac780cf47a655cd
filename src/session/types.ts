// What actas keeps in a session (express-session's SessionData, augmented).
// IdP tokens stay server-side in the store; the cookie holds only the id.
import type { ImpersonationState, UserIdentity } from '../identity/types.ts';

export interface OidcTokens {
  accessToken?: string;
  refreshToken?: string;
  idToken?: string;
  expiresAt?: number;      // access token expiry, epoch ms
}

/** A login in progress (between /login and /callback). */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  startedAt: number;
}

declare module 'express-session' {
  interface SessionData {
    user?: UserIdentity;
    tokens?: OidcTokens;
    loginAt?: number;       // absolute timeout counts from here
    lastSeenAt?: number;    // idle timeout; written at most once a minute
    csrf?: string;          // per-session CSRF token for every state-changing form
    login?: Record<string, PendingLogin>; // keyed by state, several tabs may log in at once
    impersonation?: ImpersonationState;
  }
}

export {};
