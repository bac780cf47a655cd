// Upstream cookie jars per effective identity (`cookieJar: per-identity`).
// While acting as someone, cookies the upstream sets are renamed into that
// identity's jar, and only that jar's cookies are sent back (under their
// original names). The operator's own cookies never reach the target's
// pages, and the target's never come back to the operator's.
import { createHmac } from 'node:crypto';
import type { Exchange } from '../stage.ts';
import type { ResponseHook } from './response.ts';

const JAR = /^(__Host-|__Secure-)?aj([0-9a-f]{10})_(.+)$/;

/** The jar tag for an effective identity: keyed, so it reveals nothing and cannot be guessed. */
export function jarTag(secret: string, sub: string): string {
  return createHmac('sha256', secret).update(`jar:${sub}`).digest('hex').slice(0, 10);
}

/** Renames a cookie into a jar, keeping a __Host-/__Secure- prefix in front so its rules still apply. */
export function jarName(tag: string, name: string): string {
  const m = /^(__Host-|__Secure-)(.*)$/.exec(name);
  return m ? `${m[1]}aj${tag}_${m[2]}` : `aj${tag}_${name}`;
}

/**
 * The Cookie header to forward: with a tag, only that jar's cookies (original names);
 * without one, only cookies outside every jar.
 */
export function filterRequestCookies(header: string | undefined, tag: string | undefined): string | undefined {
  if (!header) return undefined;
  const kept: string[] = [];
  for (const part of header.split(';')) {
    const c = part.trim();
    if (!c) continue;
    const eq = c.indexOf('=');
    const name = eq === -1 ? c : c.slice(0, eq);
    const m = JAR.exec(name);
    if (tag === undefined) {
      if (!m) kept.push(c);
    } else if (m && m[2] === tag) {
      kept.push(`${m[1] ?? ''}${m[3]}${eq === -1 ? '' : c.slice(eq)}`);
    }
  }
  return kept.length ? kept.join('; ') : undefined;
}

/** Set-Cookie lines of jar cookies in the request, expired (sent when an impersonation ends). */
export function expireJarCookies(header: string | undefined, secure: boolean): string[] {
  if (!header) return [];
  return header.split(';').map((p) => p.trim().split('=')[0]!).filter((n) => JAR.test(n))
    .map((n) => `${n}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure || n.startsWith('__') ? '; Secure' : ''}`);
}

export function createCookieJarHook(secret: string): ResponseHook {
  return (x: Exchange, _upstream, plan) => {
    const identity = x.scope.identity;
    if (x.scope.upstream?.cookieJar !== 'per-identity' || !identity?.actor) return;
    const raw = plan.headers['set-cookie'];
    if (!raw) return;
    const tag = jarTag(secret, identity.user.sub);
    plan.headers['set-cookie'] = (Array.isArray(raw) ? raw : [String(raw)]).map((line) => {
      const eq = line.indexOf('=');
      return eq <= 0 ? line : `${jarName(tag, line.slice(0, eq).trim())}${line.slice(eq)}`;
    });
  };
}
