// `<meta http-equiv="Content-Security-Policy" content="…">` in the page's head
// is a policy too: this reads one complete <meta> tag and, when it is one,
// rewrites only its content attribute. Every other byte stays as written.
import { escapeHtml } from '../html.ts';

interface Attr {
  value: string;
  /** Byte span of the value as written, quotes included (empty span when absent). */
  from: number;
  to: number;
}

const SPACE = /[\t\n\f\r ]/;

/** Attributes of a start tag (first occurrence wins, as in the HTML parser). */
function attributes(tag: string): Map<string, Attr> {
  const attrs = new Map<string, Attr>();
  let i = tag.search(/[\t\n\f\r />]/); // end of the tag name
  while (i > 0 && i < tag.length) {
    while (i < tag.length && (SPACE.test(tag[i]!) || tag[i] === '/')) i++;
    if (i >= tag.length || tag[i] === '>') break;
    const nameStart = i++; // the first character may be '=' and belongs to the name
    while (i < tag.length && !SPACE.test(tag[i]!) && !'/>='.includes(tag[i]!)) i++;
    const name = tag.slice(nameStart, i).toLowerCase();
    while (i < tag.length && SPACE.test(tag[i]!)) i++;
    let attr: Attr = { value: '', from: i, to: i };
    if (tag[i] === '=') {
      i++;
      while (i < tag.length && SPACE.test(tag[i]!)) i++;
      const q = tag[i];
      if (q === '"' || q === "'") {
        const end = tag.indexOf(q, i + 1);
        const close = end < 0 ? tag.length : end;
        attr = { value: tag.slice(i + 1, close), from: i, to: Math.min(close + 1, tag.length) };
        i = close + 1;
      } else {
        const start = i;
        while (i < tag.length && !SPACE.test(tag[i]!) && tag[i] !== '>') i++;
        attr = { value: tag.slice(start, i), from: start, to: i };
      }
    }
    if (!attrs.has(name)) attrs.set(name, attr);
  }
  return attrs;
}

const NAMED: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };

/** Decodes the character references a policy is likely to contain. */
function decode(value: string): string {
  return value.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|quot|apos|lt|gt);/g, (m, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref] ?? m;
    const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

/**
 * If `tag` is a CSP meta tag, calls `rewrite` with its policy and returns the
 * tag with the rewritten policy (or the same bytes when nothing changed).
 * `seen` receives every CSP policy found, rewritten or not.
 */
export function rewriteMetaCsp(tag: Buffer, rewrite: (policy: string) => string, seen?: (policy: string) => void): Buffer {
  const text = tag.toString('latin1'); // byte-preserving; policies are ASCII
  const attrs = attributes(text);
  const equiv = attrs.get('http-equiv');
  const content = attrs.get('content');
  if (!equiv || !content || decode(equiv.value).trim().toLowerCase() !== 'content-security-policy') return tag;
  const policy = decode(content.value);
  seen?.(policy);
  const updated = rewrite(policy);
  if (updated === policy) return tag;
  return Buffer.from(`${text.slice(0, content.from)}"${escapeHtml(updated)}"${text.slice(content.to)}`, 'latin1');
}
