// Request side of the banner: while impersonating, the upstream may only
// answer in a content coding the banner can see through (gzip, deflate, br),
// or a page would arrive in, say, zstd and pass without a banner.

const SUPPORTED = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'identity']);

/**
 * The client's Accept-Encoding narrowed to the codings the banner can decode
 * (q-values kept); "identity" when nothing usable is left.
 */
export function acceptEncodingForBanner(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header.join(',') : header ?? '';
  const kept = value.split(',')
    .map((entry) => entry.trim())
    .filter((entry) => SUPPORTED.has(entry.split(';')[0]!.trim().toLowerCase()));
  return kept.length > 0 ? kept.join(', ') : 'identity';
}
