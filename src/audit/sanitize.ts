// Neutralises characters that could forge a line, drive a terminal or hide
// text: C0/C1 controls, DEL, line/paragraph separators, bidi and zero-width
// controls and lone surrogates become the visible six characters `\uXXXX`.
// Values are capped after that, so the cap holds for what is stored.

// Bidi overrides/isolates (Trojan Source) and zero-width characters hide or
// reorder text when shown; a lone surrogate is not valid UTF-8.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const ELLIPSIS = '…';

function visible(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Replaces every unsafe character with its visible `\uXXXX` spelling. */
export function neutralise(value: string): string {
  return value.replace(UNSAFE, visible);
}

/**
 * Neutralises and caps a value at `max` UTF-16 units; a cut value ends with
 * "…". A cut never splits a surrogate pair or a `\uXXXX` it produced.
 */
export function capField(value: string, max: number): string {
  // Every input character yields at least one output character, so the
  // characters past max + 1 can never be shown: drop them before the regex.
  const safe = neutralise(value.length > max + 1 ? value.slice(0, max + 1) : value);
  if (safe.length <= max) return safe;
  let cut = max - ELLIPSIS.length;
  const escape = safe.lastIndexOf('\\u', cut - 1);
  if (escape >= 0 && escape > cut - 6 && /^\\u[0-9a-f]{4}/.test(safe.slice(escape, escape + 6))) cut = escape;
  const code = safe.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return safe.slice(0, cut) + ELLIPSIS;
}
