// Picks the upstream for a request: host match first (exact, without port),
// then the longest path prefix. A request no upstream claims gets a 404.
import type { UpstreamConfig } from '../config/schema.ts';

export type UpstreamMatcher = (host: string | undefined, path: string) => UpstreamConfig | undefined;

export function createUpstreamMatcher(upstreams: readonly UpstreamConfig[]): UpstreamMatcher {
  // Most specific first: a host rule beats none, a longer prefix beats a shorter one.
  const ordered = [...upstreams].sort((a, b) =>
    Number(Boolean(b.match.host)) - Number(Boolean(a.match.host))
    || (b.match.pathPrefix ?? '/').length - (a.match.pathPrefix ?? '/').length);
  return (host, path) => {
    const bareHost = host?.replace(/:\d+$/, '').toLowerCase();
    return ordered.find((u) => {
      if (u.match.host && u.match.host.toLowerCase() !== bareHost) return false;
      const prefix = u.match.pathPrefix ?? '/';
      return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`) || (prefix.endsWith('/') && path === prefix.slice(0, -1));
    });
  };
}
