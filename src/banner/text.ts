// Text hygiene for values shown in the banner: control and bidi-override
// characters removed, length capped, and markup made pure ASCII (numeric
// references) so it reads the same whatever charset the upstream page uses.

// C0/C1 controls, and bidi embeddings/overrides/isolates that could make a name read backwards.
const UNSAFE = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A display-safe single-line string of at most `max` code points. */
export function cleanText(value: unknown, max: number): string {
  const text = String(value ?? '').toWellFormed().replace(/[\t\n\v\f\r]+/g, ' ').replace(UNSAFE, '').trim();
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}\u2026` : text;
}

/** Replaces every non-ASCII character of already-escaped markup with a numeric character reference. */
export function asciiMarkup(markup: string): string {
  return markup.replace(/[^\u0000-\u007f]/gu, (c) => `&#x${c.codePointAt(0)!.toString(16)};`);
}
