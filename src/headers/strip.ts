// Removes every identity header a client could spoof, before anything reads
// the request: names compared case-insensitively with "_" read as "-", the
// X-Auth-Request-* and Impersonate-* families, configured extras, and any
// of these named in Connection (which would otherwise drop ours later).
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/schema.ts';

const FAMILIES = ['x-auth-request-', 'impersonate-'];
const ALWAYS = ['x-actas-impersonating', 'x-forwarded-access-token', 'x-actas-session'];

/** Builds the stripper once from config: a Set lookup per header on the hot path. */
export function createIdentityStripper(config: Config): (req: IncomingMessage) => void {
  const h = config.identity.headers;
  const names = new Set(
    [h.user, h.email, h.groups, h.preferredUsername, h.name, h.impersonator, h.impersonatorEmail, h.assertion, h.requestId,
      ...config.identity.strip, ...ALWAYS].map(canonical),
  );
  const isIdentity = (name: string): boolean => {
    const c = canonical(name);
    return names.has(c) || FAMILIES.some((f) => c.startsWith(f));
  };
  return (req) => {
    const headers = req.headers;
    for (const name of Object.keys(headers)) {
      if (isIdentity(name)) delete headers[name];
    }
    // A hop-by-hop declaration must not be able to name an identity header away.
    const connection = headers.connection;
    if (connection) {
      const kept = connection.split(',').map((t) => t.trim()).filter((t) => t && !isIdentity(t));
      if (kept.length) headers.connection = kept.join(', ');
      else delete headers.connection;
    }
    // Node joins duplicate unknown headers; rawHeaders keeps the originals. Our
    // proxy builds the upstream request from `headers`, so clearing there suffices.
  };
}

/** Lower case with "_" read as "-": X_Forwarded_User and x-forwarded-user are one name. */
export function canonical(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}
