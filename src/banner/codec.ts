// Content codings the banner can see through: gzip, deflate and br are decoded
// and re-encoded with node:zlib, every write flushed so a page that streams
// keeps streaming. Anything else (or a stack of codings) is not touched.
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';

export type Coding = 'identity' | 'gzip' | 'deflate' | 'br';

/**
 * The single coding of a Content-Encoding header, or null when the body is
 * encoded in a way (unknown, or several codings) that actas passes through.
 */
export function parseCoding(header: string | string[] | undefined): Coding | null {
  const value = Array.isArray(header) ? header.join(',') : header ?? '';
  const codings = value.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length > 1) return null;
  const [coding] = codings;
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  if (coding === 'deflate' || coding === 'br') return coding;
  return null;
}

/** How many leading bytes `decoderFor` needs to choose a decoder. */
export function peekBytesFor(coding: Coding): number {
  return coding === 'deflate' ? 2 : 0;
}

// Lenient about a missing end (a truncated body still yields what it holds),
// as browsers are.
const ZLIB_DECODE = { finishFlush: zlib.constants.Z_SYNC_FLUSH };

/**
 * A decoder for `coding`. For deflate, `head` tells the zlib-wrapped format the
 * standard asks for from the raw deflate some servers send instead.
 */
export function decoderFor(coding: Exclude<Coding, 'identity'>, head: Buffer): Transform {
  switch (coding) {
    case 'gzip': return zlib.createGunzip(ZLIB_DECODE);
    case 'br': return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    case 'deflate': return isZlibHeader(head) ? zlib.createInflate(ZLIB_DECODE) : zlib.createInflateRaw(ZLIB_DECODE);
  }
}

/** An encoder for `coding` that flushes after every write. */
export function encoderFor(coding: Exclude<Coding, 'identity'>): Transform {
  switch (coding) {
    case 'gzip': return zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH });
    case 'deflate': return zlib.createDeflate({ flush: zlib.constants.Z_SYNC_FLUSH });
    case 'br': return zlib.createBrotliCompress({
      flush: zlib.constants.BROTLI_OPERATION_FLUSH,
      params: {
        // The default quality (11) is far too slow for a response in flight.
        [zlib.constants.BROTLI_PARAM_QUALITY]: 4,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_LGWIN]: 20, // 1 MiB window: bounded memory per response
      },
    });
  }
}

/** RFC 1950: compression method 8 and a header checksum divisible by 31. */
function isZlibHeader(head: Buffer): boolean {
  return head.length >= 2 && (head[0]! & 0x0f) === 8 && ((head[0]! << 8) | head[1]!) % 31 === 0;
}
