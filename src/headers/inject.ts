// Sets the identity the upstream may trust, after stripping: plain headers,
// the signed assertion, the request id and X-Forwarded-*. Also removes what
// must not travel on: actas's own cookie and hop-by-hop headers.
import type { IncomingHttpHeaders } from 'node:http';
import type { Exchange, StageResult } from '../stage.ts';
import { NEXT } from '../stage.ts';
import type { Runtime } from '../runtime.ts';
import type { UserIdentity } from '../identity/types.ts';
import { sessionIdOf, sessionSecrets } from '../session/middleware.ts';
import { filterRequestCookies, jarTag } from '../proxy/cookie-jar.ts';
import { acceptEncodingForBanner } from '../banner/index.ts';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization'];

/** Header values are ASCII: anything else (or a comma inside a group) is percent-encoded. */
export function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : value.replace(/[^\x20-\x7e]+/g, (s) => encodeURIComponent(s));
}

export function formatGroups(groups: readonly string[]): string {
  return groups.map((g) => headerValue(g).replace(/%/g, '%25').replace(/,/g, '%2C')).join(',');
}

/** Removes one cookie by name from a Cookie header; returns undefined when none remain. */
export function removeCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const kept = header.split(';').map((c) => c.trim()).filter((c) => {
    const eq = c.indexOf('=');
    return c !== '' && (eq === -1 ? c : c.slice(0, eq)).trim() !== name;
  });
  return kept.length ? kept.join('; ') : undefined;
}

type HeaderNames = Runtime['config']['identity']['headers'];

function setUserHeaders(headers: IncomingHttpHeaders, names: HeaderNames, user: UserIdentity): void {
  headers[names.user] = headerValue(user.user);
  if (user.email) headers[names.email] = headerValue(user.email);
  headers[names.groups] = formatGroups(user.groups);
  headers[names.preferredUsername] = headerValue(user.user);
  if (user.name) headers[names.name] = headerValue(user.name);
}

/** The configured names in lower case, once: node's header objects are keyed that way. */
function lowerCased(names: HeaderNames): HeaderNames {
  return Object.fromEntries(Object.entries(names).map(([k, v]) => [k, v.toLowerCase()])) as HeaderNames;
}

export function createIdentityInjector(rt: Runtime) {
  const names = lowerCased(rt.config.identity.headers);
  const publicUrl = new URL(rt.config.publicUrl);
  const proto = publicUrl.protocol.slice(0, -1);
  const cookieName = rt.sessions.cookieName;
  const jarSecret = sessionSecrets(rt.config)[0]!;
  return async function injectIdentity(x: Exchange): Promise<StageResult> {
    const { req, scope } = x;
    const headers = req.headers;
    // Hop-by-hop headers, and any header the client named as hop-by-hop, stop here.
    const named = headers.connection?.split(',').map((t) => t.trim().toLowerCase()) ?? [];
    for (const h of [...HOP_BY_HOP, ...named]) if (!(x.upgrade && (h === 'connection' || h === 'upgrade'))) delete headers[h];
    if (x.upgrade) headers.connection = 'Upgrade';

    const identity = x.scope.identity;
    let cookie = removeCookie(headers.cookie, cookieName);
    if (scope.upstream?.cookieJar === 'per-identity') {
      cookie = filterRequestCookies(cookie, identity?.actor ? jarTag(jarSecret, identity.user.sub) : undefined);
    }
    if (cookie) headers.cookie = cookie;
    else delete headers.cookie;

    headers[names.requestId] = scope.requestId;
    headers['x-forwarded-for'] = scope.clientIp;
    headers['x-forwarded-proto'] = proto;
    headers['x-forwarded-host'] = headers.host ?? publicUrl.host;

    if (!identity) return NEXT;
    setUserHeaders(headers, names, identity.user);
    if (identity.actor) {
      // The banner can only be added to encodings it can re-encode, and a page the
      // browser cached before the impersonation must not come back as a bannerless 304.
      headers['accept-encoding'] = acceptEncodingForBanner(headers['accept-encoding']);
      delete headers['if-none-match'];
      delete headers['if-modified-since'];
      headers[names.impersonator] = headerValue(identity.actor.user);
      if (identity.actor.email) headers[names.impersonatorEmail] = headerValue(identity.actor.email);
    } else if (rt.config.identity.forwardAccessToken && scope.session?.tokens?.accessToken) {
      // Never while impersonating: the operator's IdP token must not act for the target.
      headers['x-forwarded-access-token'] = scope.session.tokens.accessToken;
    }
    if (rt.signer && scope.upstream) {
      headers[names.assertion] = await rt.signer.sign(identity, scope.upstream.name, sessionIdOf(req));
    }
    return NEXT;
  };
}
