// `rd` return paths: only same-origin relative paths are accepted, so a login
// or logout link can never be turned into an open redirect.

/** Returns a safe relative path, or the fallback when `rd` is not one. */
export function safeReturnTo(rd: unknown, fallback = '/'): string {
  if (typeof rd !== 'string' || rd.length === 0 || rd.length > 2048) return fallback;
  // "//host" and "/\host" are protocol-relative in browsers; control chars can smuggle either.
  if (!rd.startsWith('/') || rd.startsWith('//') || rd.startsWith('/\\') || /[\x00-\x1f\x7f\\]/.test(rd)) return fallback;
  try {
    const base = 'http://actas.invalid';
    const url = new URL(rd, base);
    if (url.origin !== base) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}
