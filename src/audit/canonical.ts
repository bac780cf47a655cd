// The byte forms of an event: the line a sink stores (fields in schema order)
// and the canonical form its hash covers (keys sorted at every depth, no
// whitespace, `hash` left out). Both escape U+2028/2029 and C1 controls so a
// line can never be split by any reader.
import { createHash } from 'node:crypto';
import { AUDIT_FIELDS } from './types.ts';

/** `prev` of the first event of a fresh chain: 64 zeros. */
export const GENESIS = '0'.repeat(64);

const EXTRA_ESCAPES = /[\u007f-\u009f\u2028\u2029]/g;

function jsonString(value: string): string {
  // JSON.stringify already escapes C0 controls and lone surrogates.
  return JSON.stringify(value).replace(EXTRA_ESCAPES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function encode(value: unknown, order: (keys: string[]) => string[]): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : encode(v, order))).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of order(Object.keys(obj))) {
      if (obj[key] === undefined) continue;
      parts.push(`${jsonString(key)}:${encode(obj[key], order)}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw new TypeError(`cannot encode a ${typeof value} in an audit event`);
}

// Sorting by UTF-16 code units (the default sort) is the same on every platform.
const sorted = (keys: string[]): string[] => [...keys].sort();

// Nested principals read best as sub, user, email.
const FIELD_RANK = new Map<string, number>([...AUDIT_FIELDS, 'sub', 'user', 'email'].map((f, i) => [f, i]));
const schemaOrder = (keys: string[]): string[] => [...keys].sort((a, b) =>
  (FIELD_RANK.get(a) ?? FIELD_RANK.size) - (FIELD_RANK.get(b) ?? FIELD_RANK.size) || (a < b ? -1 : a > b ? 1 : 0));

/** Canonical JSON: sorted keys at every depth, no whitespace, undefined members left out. */
export function canonicalJson(value: unknown): string {
  return encode(value, sorted);
}

/** SHA-256 (hex) over the canonical form of the event without its `hash`. */
export function hashEvent(event: object): string {
  const { hash: _ignored, ...rest } = event as Record<string, unknown>;
  return createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex');
}

/** The stored line (without the newline): fields in schema order. */
export function serializeEvent(event: object): string {
  return encode(event, schemaOrder);
}
