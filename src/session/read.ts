// A read-only session lookup for the proxied hot path. Most requests only
// read the session, yet express-session verifies the cookie's HMAC, hashes
// the session twice and wraps the response on every one. This reads the same
// signed cookie and the same store; any request that must write the session
// (a login step, the once-a-minute idle clock, a refresh, the end of an
// impersonation) still goes through express-session.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SessionData, Store } from 'express-session';

/** Verified cookie values, so the HMAC runs once per session, not per request. */
const VERIFIED_MAX = 10_000;

export interface SessionReader {
  /** The session id a well-signed cookie names, or undefined. */
  sessionIdOf(cookieHeader: string | undefined): string | undefined;
  /** The stored session, or null; rejects when the store cannot answer. */
  read(sessionId: string): Promise<SessionData | null>;
}

/** The signature express-session (cookie-signature) puts after the id: base64 HMAC-SHA256 without padding. */
function sign(value: string, secret: string): string {
  return createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '');
}

function cookieValue(header: string, name: string): string | undefined {
  const key = `${name}=`;
  for (const part of header.split(';')) {
    const c = part.trimStart();
    if (c.startsWith(key)) return c.slice(key.length).trim();
  }
  return undefined;
}

export function createSessionReader(store: Store, cookieName: string, secrets: readonly string[]): SessionReader {
  const verified = new Map<string, string>();
  return {
    sessionIdOf(header) {
      if (!header) return undefined;
      const raw = cookieValue(header, cookieName);
      if (!raw) return undefined;
      const known = verified.get(raw);
      if (known) return known;
      let value: string;
      try {
        value = decodeURIComponent(raw);
      } catch {
        return undefined;
      }
      if (!value.startsWith('s:')) return undefined;
      const signed = value.slice(2);
      const dot = signed.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const id = signed.slice(0, dot);
      const given = Buffer.from(signed.slice(dot + 1));
      const ok = secrets.some((secret) => {
        const expected = Buffer.from(sign(id, secret));
        return expected.length === given.length && timingSafeEqual(expected, given);
      });
      if (!ok) return undefined;
      if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
      verified.set(raw, id);
      return id;
    },
    read(sessionId) {
      return new Promise((resolve, reject) => {
        store.get(sessionId, (err, data) => (err ? reject(err) : resolve(data ?? null)));
      });
    },
  };
}
