// Finds where the banner goes in a stream of HTML: right after `<body …>`, or
// where the parser would open the body implicitly (text, a non-head element,
// `</body>`…). Bytes flow out as soon as they are known to come before that
// point; only one small undecided token (a tag name, `<!-`, a `<meta>`) is held.

/** How a document ended up. `pending` until the scanner has decided. */
export type ScanOutcome =
  | 'pending'
  | 'injected'            // after <body …> or before implied body content
  | 'injected-at-end'     // the stream ended in the prologue
  | 'not-found'           // ended inside a tag, raw text or template; nothing inserted
  | 'empty'               // nothing but whitespace
  | 'unsupported-charset' // UTF-16 byte order mark
  | 'frameset'            // a frameset document has no body to put a banner in
  | 'scan-limit';         // prologue longer than maxScan: passed through

export interface ScannerOptions {
  /** Renders the banner; called once, at the insertion point. */
  banner: () => Buffer;
  /** Inserted right after the first `<title …>` of the prologue. */
  titlePrefix: Buffer;
  /** Returns the (possibly rewritten) bytes of a complete `<meta …>` tag. */
  metaTag: (tag: Buffer) => Buffer;
  /** Give up (pass through, no banner) past this many prologue bytes. */
  maxScan: number;
  /** A `<meta>` tag longer than this is passed on unchecked. */
  maxMetaTag: number;
}

// Tokenizer states (a subset of the HTML tokenizer's, enough to find tag ends).
const TEXT = 0, TAG_OPEN = 1, TAG_NAME = 2, END_TAG_OPEN = 3, END_TAG_NAME = 4,
  BEFORE_ATTR_NAME = 5, ATTR_NAME = 6, AFTER_ATTR_NAME = 7, BEFORE_VALUE = 8,
  VALUE_DQ = 9, VALUE_SQ = 10, VALUE_UNQ = 11, AFTER_VALUE_Q = 12, SELF_CLOSING = 13,
  MD_OPEN = 14, MD_DASH = 15, COMMENT_START = 16, COMMENT_START_DASH = 17, COMMENT = 18,
  COMMENT_END_DASH = 19, COMMENT_END = 20, COMMENT_END_BANG = 21, BOGUS = 22, RAWTEXT = 23;

// What to do when the current tag's '>' arrives.
const NONE = 0, BODY = 1, TITLE = 2, META = 3, RAW = 4, TEMPLATE_OPEN = 5, TEMPLATE_CLOSE = 6;
// Results of one raw-text byte.
const RAW_SKIP = 0, RAW_MORE = 1, RAW_CLOSED = 2;

// Start tags the parser keeps in (or moves back into) <head>: they do not open the body.
const HEAD_TAGS = new Set(['html', 'head', 'base', 'basefont', 'bgsound', 'link', 'meta', 'title', 'noscript', 'noframes', 'style', 'script', 'template']);
// Elements whose content is text up to their end tag (noscript: scripting is on in browsers).
const RAW_IN_HEAD = new Set(['title', 'script', 'style', 'noscript', 'noframes']);
const RAW_IN_TEMPLATE = new Set([...RAW_IN_HEAD, 'textarea', 'xmp', 'iframe', 'noembed']);
// End tags that open the body implicitly; every other stray end tag is ignored by the parser.
const BODY_END_TAGS = new Set(['body', 'html', 'br']);
const MAX_NAME = 8; // longest name any rule above cares about

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
const isAlpha = (c: number): boolean => ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
const lower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

/** Finds the banner's insertion point in a stream of decoded HTML bytes. */
export class PrologueScanner {
  readonly #opt: ScannerOptions;
  #state = TEXT;
  #name = '';
  #decided = false;
  #isEnd = false;
  #action = NONE;
  #rawName = '';
  #rawMatch = 0;
  #templateDepth = 0;
  #titleDone = false;
  #sawMarkup = false;
  #holding = false;
  #held: Buffer[] = [];
  #heldLen = 0;
  #bom: Buffer | null = Buffer.alloc(0); // null once the byte order mark question is settled
  // Per-call working state.
  #chunk: Buffer = Buffer.alloc(0);
  #seg = 0;
  #out: Buffer[] = [];

  done = false;
  outcome: ScanOutcome = 'pending';
  scannedBytes = 0;
  /** The most bytes ever held back between two writes. */
  maxHeldBytes = 0;

  constructor(options: ScannerOptions) {
    this.#opt = options;
  }

  /** Feeds decoded bytes; returns what may be sent now, in order. */
  write(input: Buffer): Buffer[] {
    if (this.done) return [input];
    if (input.length === 0) return [];
    this.#out = [];
    let chunk = input;
    let start = 0;
    if (this.#bom) {
      const head = Buffer.concat([this.#bom, input]);
      if (mayBeBom(head)) {
        this.#bom = head;
        this.maxHeldBytes = Math.max(this.maxHeldBytes, head.length);
        return [];
      }
      this.#bom = null;
      if ((head[0] === 0xfe && head[1] === 0xff) || (head[0] === 0xff && head[1] === 0xfe)) {
        // UTF-16: the ASCII markers this scanner looks for are not bytes there.
        return this.#giveUp('unsupported-charset', head);
      }
      chunk = head;
      start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    }
    if (this.scannedBytes >= this.#opt.maxScan) return this.#giveUp('scan-limit', chunk);
    this.scannedBytes += chunk.length;
    this.#scan(chunk, start);
    return this.#out;
  }

  /** Ends the stream; returns the last bytes to send. */
  end(): Buffer[] {
    if (this.done) return [];
    this.#out = [];
    if (this.#bom) {
      const head = this.#bom;
      this.#bom = null;
      this.#scan(head, head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0);
      if (this.done) return this.#out;
    }
    this.#flushHeld();
    if (!this.#holding && this.#state === TEXT && this.#templateDepth === 0 && this.#sawMarkup) {
      // Only a prologue: at the end of input the parser opens the body here.
      this.#emit(this.#opt.banner());
      this.outcome = 'injected-at-end';
    } else {
      this.outcome = this.#sawMarkup ? 'not-found' : 'empty';
    }
    this.done = true;
    return this.#out;
  }

  #emit(buf: Buffer): void {
    if (buf.length > 0) this.#out.push(buf);
  }

  #flushHeld(): void {
    for (const b of this.#held) this.#emit(b);
    this.#held = [];
    this.#heldLen = 0;
  }

  /** Sends everything pending before index `i` of the current chunk. */
  #release(i: number): void {
    this.#flushHeld();
    if (i > this.#seg) this.#emit(this.#chunk.subarray(this.#seg, i));
    this.#seg = i;
    this.#holding = false;
  }

  /** Banner before the held token (which starts the body), then the rest of the chunk. */
  #insertBeforeHeld(): void {
    this.#emit(this.#opt.banner());
    this.#release(this.#chunk.length);
    this.#finish('injected');
  }

  /** Banner before byte `i` of the chunk. */
  #insertAt(i: number): void {
    this.#release(i);
    this.#emit(this.#opt.banner());
    this.#release(this.#chunk.length);
    this.#finish('injected');
  }

  #giveUp(outcome: ScanOutcome, rest: Buffer): Buffer[] {
    this.#flushHeld();
    this.#emit(rest);
    this.#finish(outcome);
    return this.#out;
  }

  #finish(outcome: ScanOutcome): void {
    this.done = true;
    this.outcome = outcome;
    this.#held = [];
    this.#heldLen = 0;
  }

  #scan(chunk: Buffer, start: number): void {
    this.#chunk = chunk;
    this.#seg = 0;
    const len = chunk.length;
    for (let i = start; i < len; i++) {
      const c = chunk[i]!;
      switch (this.#state) {
        case TEXT:
          if (isSpace(c)) break;
          if (c === 0x3c) {
            this.#release(i);
            this.#holding = this.#templateDepth === 0;
            this.#sawMarkup = true;
            this.#state = TAG_OPEN;
          } else if (this.#templateDepth === 0) {
            this.#insertAt(i); // text opens the body
            return;
          }
          break;
        case TAG_OPEN:
          if (c === 0x21) this.#state = MD_OPEN;
          else if (c === 0x2f) this.#state = END_TAG_OPEN;
          else if (isAlpha(c)) this.#startName(c, false, TAG_NAME);
          else if (c === 0x3f) { this.#release(i); this.#state = BOGUS; } // <?…>
          else if (this.#templateDepth === 0) { this.#insertBeforeHeld(); return; } // a lone '<' is text
          else { this.#state = TEXT; i--; }
          break;
        case END_TAG_OPEN:
          if (isAlpha(c)) this.#startName(c, true, END_TAG_NAME);
          else if (c === 0x3e) { this.#release(i); this.#state = TEXT; } // </> is ignored
          else { this.#release(i); this.#state = BOGUS; }
          break;
        case TAG_NAME:
        case END_TAG_NAME:
          if (isSpace(c) || c === 0x2f || c === 0x3e) {
            if (!this.#decided && !this.#decide(i)) return;
            if (c === 0x3e) { if (!this.#tagEnd(i)) return; }
            else this.#state = c === 0x2f ? SELF_CLOSING : BEFORE_ATTR_NAME;
          } else if (!this.#decided) {
            this.#name += String.fromCharCode(lower(c));
            if (this.#name.length > MAX_NAME && !this.#decide(i)) return;
          }
          break;
        case BEFORE_ATTR_NAME:
          if (isSpace(c)) break;
          if (c === 0x2f) this.#state = SELF_CLOSING;
          else if (c === 0x3e) { if (!this.#tagEnd(i)) return; }
          else this.#state = ATTR_NAME;
          break;
        case ATTR_NAME:
          if (isSpace(c)) this.#state = AFTER_ATTR_NAME;
          else if (c === 0x2f) this.#state = SELF_CLOSING;
          else if (c === 0x3d) this.#state = BEFORE_VALUE;
          else if (c === 0x3e) { if (!this.#tagEnd(i)) return; }
          break;
        case AFTER_ATTR_NAME:
          if (isSpace(c)) break;
          if (c === 0x2f) this.#state = SELF_CLOSING;
          else if (c === 0x3d) this.#state = BEFORE_VALUE;
          else if (c === 0x3e) { if (!this.#tagEnd(i)) return; }
          else this.#state = ATTR_NAME;
          break;
        case BEFORE_VALUE:
          if (isSpace(c)) break;
          if (c === 0x22) this.#state = VALUE_DQ;
          else if (c === 0x27) this.#state = VALUE_SQ;
          else if (c === 0x3e) { if (!this.#tagEnd(i)) return; }
          else this.#state = VALUE_UNQ;
          break;
        case VALUE_DQ:
        case VALUE_SQ: {
          // A quoted value may hold '>' and run long: jump to its closing quote.
          const close = chunk.indexOf(this.#state === VALUE_DQ ? 0x22 : 0x27, i);
          if (close < 0) { i = len; break; }
          i = close;
          this.#state = AFTER_VALUE_Q;
          break;
        }
        case VALUE_UNQ:
          if (isSpace(c)) this.#state = BEFORE_ATTR_NAME;
          else if (c === 0x3e) { if (!this.#tagEnd(i)) return; }
          break;
        case AFTER_VALUE_Q:
        case SELF_CLOSING:
          if (isSpace(c)) this.#state = BEFORE_ATTR_NAME;
          else if (c === 0x2f) this.#state = SELF_CLOSING;
          else if (c === 0x3e) { if (!this.#tagEnd(i)) return; }
          else this.#state = ATTR_NAME;
          break;
        case MD_OPEN: // after "<!"
          if (c === 0x2d) { this.#state = MD_DASH; break; }
          this.#release(i); // a doctype or bogus comment, skipped to '>'
          this.#state = c === 0x3e ? TEXT : BOGUS;
          break;
        case MD_DASH: // after "<!-"
          this.#release(i);
          this.#state = c === 0x2d ? COMMENT_START : c === 0x3e ? TEXT : BOGUS;
          break;
        case COMMENT_START:
          this.#state = c === 0x2d ? COMMENT_START_DASH : c === 0x3e ? TEXT : COMMENT;
          break;
        case COMMENT_START_DASH:
          this.#state = c === 0x2d ? COMMENT_END : c === 0x3e ? TEXT : COMMENT;
          break;
        case COMMENT: {
          const dash = chunk.indexOf(0x2d, i);
          if (dash < 0) { i = len; break; }
          i = dash;
          this.#state = COMMENT_END_DASH;
          break;
        }
        case COMMENT_END_DASH:
          this.#state = c === 0x2d ? COMMENT_END : COMMENT;
          break;
        case COMMENT_END:
          if (c === 0x3e) this.#state = TEXT;
          else if (c === 0x21) this.#state = COMMENT_END_BANG;
          else if (c !== 0x2d) this.#state = COMMENT;
          break;
        case COMMENT_END_BANG:
          this.#state = c === 0x2d ? COMMENT_END_DASH : c === 0x3e ? TEXT : COMMENT;
          break;
        case BOGUS: {
          const gt = chunk.indexOf(0x3e, i);
          if (gt < 0) { i = len; break; }
          i = gt;
          this.#state = TEXT;
          break;
        }
        case RAWTEXT: {
          const step = this.#rawStep(c);
          if (step === RAW_SKIP) {
            const lt = chunk.indexOf(0x3c, i + 1);
            if (lt < 0) { i = len; break; }
            i = lt - 1; // the loop's i++ lands on '<'
          } else if (step === RAW_CLOSED && !this.#tagEnd(i)) return;
          break;
        }
      }
    }
    // End of chunk: keep an undecided token, send everything else now.
    if (this.#holding) {
      if (this.#seg < len) {
        const rest = Buffer.from(chunk.subarray(this.#seg)); // a copy, so the big chunk can be freed
        this.#held.push(rest);
        this.#heldLen += rest.length;
      }
      this.maxHeldBytes = Math.max(this.maxHeldBytes, this.#heldLen);
      if (this.#action === META && this.#heldLen > this.#opt.maxMetaTag) {
        this.#action = NONE; // too long to check: pass it on as written
        this.#flushHeld();
        this.#holding = false;
      }
    } else {
      this.#release(len);
    }
  }

  #startName(c: number, isEnd: boolean, state: number): void {
    this.#name = String.fromCharCode(lower(c));
    this.#decided = false;
    this.#isEnd = isEnd;
    this.#action = NONE;
    this.#state = state;
  }

  /**
   * Decides what the tag whose name just ended means. Returns false when the
   * scanner is done (banner inserted or given up) and the chunk loop must stop.
   */
  #decide(i: number): boolean {
    this.#decided = true;
    const name = this.#name;
    if (this.#templateDepth > 0) {
      // Inside <template> nothing opens the body; only nesting and raw text matter.
      if (name === 'template') this.#action = this.#isEnd ? TEMPLATE_CLOSE : TEMPLATE_OPEN;
      else if (!this.#isEnd && RAW_IN_TEMPLATE.has(name)) this.#action = RAW;
      return true;
    }
    if (this.#isEnd) {
      if (BODY_END_TAGS.has(name)) { this.#insertBeforeHeld(); return false; }
      this.#release(i);
      return true;
    }
    if (name === 'body') this.#action = BODY;
    else if (name === 'meta') { this.#action = META; return true; } // keep holding: may rewrite it
    else if (name === 'title' && !this.#titleDone) this.#action = TITLE;
    else if (name === 'template') this.#action = TEMPLATE_OPEN;
    else if (RAW_IN_HEAD.has(name)) this.#action = RAW;
    else if (name === 'frameset') { this.#giveUp('frameset', this.#chunk.subarray(this.#seg)); return false; }
    else if (!HEAD_TAGS.has(name)) { this.#insertBeforeHeld(); return false; }
    this.#release(i);
    return true;
  }

  /** The current tag ended at byte `i` ('>'). Returns false when the scanner is done. */
  #tagEnd(i: number): boolean {
    const action = this.#action;
    this.#action = NONE;
    this.#state = TEXT;
    switch (action) {
      case BODY:
        this.#release(i + 1);
        this.#emit(this.#opt.banner());
        this.#release(this.#chunk.length);
        this.#finish('injected');
        return false;
      case META: {
        const parts = [...this.#held, this.#chunk.subarray(this.#seg, i + 1)];
        const tag = Buffer.concat(parts);
        this.#held = [];
        this.#heldLen = 0;
        this.#emit(tag.length <= this.#opt.maxMetaTag ? this.#opt.metaTag(tag) : tag);
        this.#seg = i + 1;
        this.#holding = false;
        return true;
      }
      case TITLE:
        this.#release(i + 1);
        this.#emit(this.#opt.titlePrefix);
        this.#titleDone = true;
        this.#enterRaw('title');
        return true;
      case RAW:
        this.#enterRaw(this.#name);
        return true;
      case TEMPLATE_OPEN:
        this.#templateDepth++;
        return true;
      case TEMPLATE_CLOSE:
        this.#templateDepth--;
        return true;
      default:
        return true;
    }
  }

  #enterRaw(name: string): void {
    this.#rawName = name;
    this.#rawMatch = 0;
    this.#state = RAWTEXT;
  }

  /**
   * One byte of raw text: looks for `</name` followed by a delimiter. Returns
   * RAW_SKIP when the byte cannot start or continue that end tag, RAW_CLOSED
   * when it completed it with '>', RAW_MORE otherwise (a found end tag with
   * attributes continues in the attribute states).
   */
  #rawStep(c: number): number {
    const m = this.#rawMatch;
    const restart = (): number => {
      this.#rawMatch = c === 0x3c ? 1 : 0;
      return this.#rawMatch > 0 ? RAW_MORE : RAW_SKIP;
    };
    if (m === 0) return restart();
    if (m === 1) {
      if (c !== 0x2f) return restart();
      this.#rawMatch = 2;
      return RAW_MORE;
    }
    const k = m - 2;
    if (k < this.#rawName.length) {
      if (lower(c) !== this.#rawName.charCodeAt(k)) return restart();
      this.#rawMatch++;
      return RAW_MORE;
    }
    if (!isSpace(c) && c !== 0x2f && c !== 0x3e) return restart();
    // The element's end tag: consume it like any end tag (it may carry junk attributes).
    this.#rawMatch = 0;
    this.#name = this.#rawName;
    this.#isEnd = true;
    this.#decided = true;
    this.#action = NONE;
    if (c === 0x3e) return RAW_CLOSED;
    this.#state = c === 0x2f ? SELF_CLOSING : BEFORE_ATTR_NAME;
    return RAW_MORE;
  }
}

/** True while the first bytes could still turn out to be a byte order mark. */
function mayBeBom(head: Buffer): boolean {
  if (head.length === 1) return head[0] === 0xef || head[0] === 0xfe || head[0] === 0xff;
  return head.length === 2 && head[0] === 0xef && head[1] === 0xbb;
}
