// The injection transform on decoded HTML bytes: the scanner decides, bytes
// flow as soon as they are known to come before the banner, and once the
// banner is in, every chunk is passed on as is (no copy, no scan).
import { Transform, type TransformCallback } from 'node:stream';
import { PrologueScanner, type ScannerOptions, type ScanOutcome } from './scanner.ts';

/** Live numbers about one injected response. */
export interface BannerStats {
  outcome: ScanOutcome;
  /** Most bytes the injector held back at once (an undecided token). */
  maxHeldBytes: number;
  /** Bytes scanned before the decision. */
  scannedBytes: number;
  /** Decoded bytes in and out of the injector. */
  bytesIn: number;
  bytesOut: number;
}

export class BannerInjector extends Transform {
  readonly #scanner: PrologueScanner;
  readonly #onDone: ((outcome: ScanOutcome) => void) | undefined;
  readonly stats: BannerStats = { outcome: 'pending', maxHeldBytes: 0, scannedBytes: 0, bytesIn: 0, bytesOut: 0 };

  constructor(options: ScannerOptions, onDone?: (outcome: ScanOutcome) => void) {
    super();
    this.#scanner = new PrologueScanner(options);
    this.#onDone = onDone;
  }

  /** Bytes waiting in this stream's buffers (held-back bytes are in stats.maxHeldBytes). */
  get bufferedBytes(): number {
    return this.readableLength + this.writableLength;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.stats.bytesIn += chunk.length;
    if (this.#scanner.done) {
      this.#push(chunk);
      callback();
      return;
    }
    this.#pushAll(this.#scanner.write(chunk));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.#pushAll(this.#scanner.end());
    callback();
  }

  #pushAll(parts: Buffer[]): void {
    // One push per input chunk: downstream an encoder flushes on every write,
    // and many small writes cost far more than copying a prologue chunk once.
    if (parts.length === 1) this.#push(parts[0]!);
    else if (parts.length > 1) this.#push(Buffer.concat(parts));
    const s = this.#scanner;
    this.stats.maxHeldBytes = s.maxHeldBytes;
    this.stats.scannedBytes = s.scannedBytes;
    if (s.done && this.stats.outcome === 'pending') {
      this.stats.outcome = s.outcome;
      this.#onDone?.(s.outcome);
    }
  }

  #push(part: Buffer): void {
    this.stats.bytesOut += part.length;
    this.push(part);
  }
}
