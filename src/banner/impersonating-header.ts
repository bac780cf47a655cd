// The response header that tells non-HTML clients (fetch, XHR, scripts) that
// the session is acting as someone: the proxy sets it on every response while
// impersonating. Values outside printable ASCII, or holding '%', are
// percent-encoded, so a client may always apply decodeURIComponent.

/** Header name (lower case, as node:http reports it). */
export const IMPERSONATING_HEADER = 'x-actas-impersonating';

/** The header value for the impersonated user. */
export function impersonatingHeaderValue(user: string): string {
  const plain = /^[\x21-\x24\x26-\x7e]([\x20-\x24\x26-\x7e]*[\x21-\x24\x26-\x7e])?$/;
  return user === '' || plain.test(user) ? user : encodeURIComponent(user.toWellFormed());
}
