// Serves the public assertion keys (JWK Set) at /.well-known/actas/jwks.json and
// /.actas/jwks.json: public members only, cacheable for five minutes with an
// ETag, so a verifier picks up a rotation soon and revalidates cheaply.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AssertionSigner } from './assertion.ts';

/** How long a verifier may keep the set before asking again (seconds). */
export const JWKS_MAX_AGE_SEC = 300;

interface Rendered { source: object; body: string; etag: string }

function render(jwks: AssertionSigner['jwks']): Rendered {
  const body = JSON.stringify({ keys: jwks.keys });
  return { source: jwks, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** True when an If-None-Match value names this (strong) ETag, weakly compared as RFC 9110 says for GET. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * A node:http handler that answers GET and HEAD with the signer's JWK Set
 * (`Cache-Control: public, max-age=300`, an ETag, 304 on If-None-Match) and
 * 405 for any other method. Re-renders only when `signer.jwks` is replaced.
 */
export function jwksHandler(signer: Pick<AssertionSigner, 'jwks'>): (req: IncomingMessage, res: ServerResponse) => void {
  let current = render(signer.jwks);
  return (req, res) => {
    if (current.source !== signer.jwks) current = render(signer.jwks);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ error: 'method_not_allowed' }));
      return;
    }
    const headers = {
      'Cache-Control': `public, max-age=${JWKS_MAX_AGE_SEC}`,
      ETag: current.etag,
      'X-Content-Type-Options': 'nosniff',
    };
    if (matches(req.headers['if-none-match'], current.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'application/jwk-set+json',
      'Content-Length': Buffer.byteLength(current.body),
    });
    res.end(req.method === 'HEAD' ? undefined : current.body);
  };
}
