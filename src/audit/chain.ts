// The hash chain: each event's `prev` is the previous event's `hash` in the
// same sink, and `hash` covers the event with its `prev`. Changing, removing,
// adding or moving any event breaks the chain at or right after that point.
import { GENESIS, hashEvent } from './canonical.ts';
import { shapeProblem } from './validate.ts';
import type { AuditEvent, AuditRecord } from './types.ts';

/** Places records after `prev`, in order; returns the chained events. */
export function chainRecords(prev: string, records: readonly AuditRecord[]): AuditEvent[] {
  const out: AuditEvent[] = [];
  let head = prev;
  for (const record of records) {
    const linked = { ...record, prev: head };
    const event: AuditEvent = { ...linked, hash: hashEvent(linked) };
    out.push(event);
    head = event.hash;
  }
  return out;
}

/**
 * Checks a chain one line at a time. `check` returns why a line breaks the
 * chain, or undefined; after a break the verifier resynchronises on the
 * broken line so later, unrelated breaks can still be told apart.
 */
export class ChainVerifier {
  #expected: string;
  #count = 0;
  #seen = 0;
  readonly anchor: string;

  constructor(anchor: string = GENESIS) {
    this.anchor = anchor;
    this.#expected = anchor;
  }

  /** Events accepted so far. */
  get count(): number {
    return this.#count;
  }

  /** The hash the next event's `prev` must equal (the last event's hash). */
  get head(): string {
    return this.#expected;
  }

  check(line: string): string | undefined {
    if (line.trim() === '') {
      this.#seen += 1;
      return 'blank line';
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#seen += 1;
      return 'not valid JSON (torn or edited line)';
    }
    const problem = shapeProblem(value);
    if (problem) {
      this.#seen += 1;
      return `not an audit event: ${problem}`;
    }
    const event = value as AuditEvent;
    const expected = this.#expected;
    const first = this.#seen === 0;
    this.#expected = event.hash;
    this.#seen += 1;
    if (hashEvent(event) !== event.hash) return 'hash does not match the content (the event was edited)';
    if (event.prev !== expected) {
      if (first) {
        return this.anchor === GENESIS
          ? 'the first event does not start the chain (prev is not the genesis value): events before it are missing'
          : 'the first event does not follow the given anchor hash';
      }
      return 'prev does not match the previous event (an event was deleted, inserted or reordered here)';
    }
    this.#count += 1;
    return undefined;
  }
}
