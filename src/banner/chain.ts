// One Duplex over a chain of transforms (decode → inject → encode), with
// backpressure end to end and one error for the whole chain. The first stage
// may be chosen from the first bytes (raw vs. zlib-wrapped deflate).
import { Duplex, pipeline, type Transform } from 'node:stream';

export class TransformChain extends Duplex {
  readonly #makeHead: (head: Buffer) => Transform;
  readonly #rest: Transform[];
  readonly #peekBytes: number;
  #head: Transform | undefined;
  #peek: Buffer[] = [];
  #peekLen = 0;
  #finalCallback: ((error?: Error | null) => void) | undefined;

  /**
   * @param makeHead builds the first stage once `peekBytes` bytes (or the end) arrived
   * @param rest the following stages, in order; the last one's output is this stream's output
   */
  constructor(makeHead: (head: Buffer) => Transform, rest: Transform[], peekBytes: number) {
    super();
    this.#makeHead = makeHead;
    this.#rest = rest;
    this.#peekBytes = peekBytes;
    const tail = rest.at(-1)!;
    tail.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) tail.pause();
    });
    tail.on('end', () => {
      this.push(null);
      this.#finalCallback?.();
    });
    if (peekBytes === 0) this.#start();
  }

  #start(): Transform {
    const head = this.#makeHead(Buffer.concat(this.#peek));
    this.#head = head;
    pipeline([head, ...this.#rest], (err) => {
      if (err) this.destroy(err);
    });
    return head;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let head = this.#head;
    if (!head) {
      this.#peek.push(chunk);
      this.#peekLen += chunk.length;
      if (this.#peekLen < this.#peekBytes) { callback(); return; }
      head = this.#start();
      chunk = Buffer.concat(this.#peek);
      this.#peek = [];
      this.#peekLen = 0;
    }
    if (head.write(chunk)) callback();
    else head.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    const head = this.#head ?? this.#start();
    if (this.#peek.length > 0) {
      head.write(Buffer.concat(this.#peek));
      this.#peek = [];
      this.#peekLen = 0;
    }
    // Finished once the last stage has emitted everything.
    this.#finalCallback = callback;
    head.end();
  }

  /** Bytes waiting in this chain's buffers and in every stage's (a bound on what it holds). */
  get bufferedBytes(): number {
    const stages = [this.#head, ...this.#rest].filter((s) => s !== undefined);
    return stages.reduce((n, s) => n + s.readableLength + s.writableLength, this.readableLength + this.writableLength + this.#peekLen);
  }

  override _read(): void {
    this.#rest.at(-1)!.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#head?.destroy();
    for (const stage of this.#rest) stage.destroy();
    callback(error);
  }
}
