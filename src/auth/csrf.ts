// CSRF defence for every state-changing browser route: a per-session token in
// the form, compared in constant time, plus an Origin / Sec-Fetch-Site check
// so a cross-site form post fails even before the token is looked at.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Session, SessionData } from 'express-session';

/** The session's CSRF token, created on first use. */
export function csrfToken(session: Session & Partial<SessionData>): string {
  session.csrf ??= randomBytes(24).toString('base64url');
  return session.csrf;
}

/** Returns a machine-readable reason when the request fails the check, else undefined. */
export function csrfProblem(req: IncomingMessage, session: Partial<SessionData> | undefined, submitted: unknown, publicOrigin: string): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return 'cross-site-request';
  const origin = req.headers.origin;
  if (origin && origin !== publicOrigin) return 'foreign-origin';
  const expected = session?.csrf;
  if (!expected || typeof submitted !== 'string') return 'csrf-token-missing';
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return 'csrf-token-mismatch';
  return undefined;
}
