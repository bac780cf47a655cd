// Normalises a request path the way routing and reserved-route matching must
// see it: percent-decoded unreserved characters, no dot segments, no empty
// segments, backslashes treated as slashes. A path that cannot be normalised
// safely (bad escapes, encoded slashes, NUL) is refused outright.

const UNRESERVED = /%(2[DdEe]|3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa]|5[Ff]|7[Ee])/g;

/** Returns the normalised path, or undefined when the path is unacceptable. */
export function normalisePath(rawUrl: string): string | undefined {
  const q = rawUrl.indexOf('?');
  let path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (!path.startsWith('/')) return path === '*' ? '*' : undefined;
  if (/%(?![0-9A-Fa-f]{2})|%00|%2[Ff]|%5[Cc]|[\x00-\x1f\x7f]/.test(path)) return undefined;
  path = path.replace(UNRESERVED, (m) => String.fromCharCode(parseInt(m.slice(1), 16))).replace(/\\/g, '/');
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg === '..') out.pop();
    else if (seg !== '.' && seg !== '') out.push(seg);
    else if (i === segments.length - 1) out.push(''); // keep a trailing slash
  }
  return '/' + out.join('/');
}

/** The query string of a raw URL including its "?", or "". */
export function queryOf(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  return q === -1 ? '' : rawUrl.slice(q);
}
