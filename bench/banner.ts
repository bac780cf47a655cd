// What banner injection costs per page: a 50 KB HTML page, plain and gzip,
// through the same transform the proxy uses, next to a baseline that only
// moves the bytes (plain) or only re-compresses them (gzip). Bounded in
// iterations and time. Run: node bench/banner.ts
import { PassThrough, Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { planBannerInjection, type BannerContext } from '../src/banner/index.ts';
import { TransformChain } from '../src/banner/chain.ts';
import { decoderFor, encoderFor } from '../src/banner/codec.ts';

const MAX_ITERATIONS = 5_000;
const MAX_MS = 3_000;
const WARMUP = 200;
const CHUNK = 16 * 1024; // what a socket typically hands over

const ctx: BannerContext = {
  target: { user: 'alice', name: 'Alice Example' },
  actor: { user: 'bob', name: 'Bob Operator' },
  reason: 'ticket 4711: invoices missing',
  mode: 'read-only',
  expiresAt: Date.now() + 30 * 60_000,
  csrfToken: 'x'.repeat(43),
  releaseUrl: '/.actas/release',
  returnTo: '/invoices?year=2024',
  consoleUrl: '/.actas/',
};

function page(size: number): Buffer {
  const head = '<!doctype html><html><head><meta charset="utf-8"><title>Invoices</title>'
    + '<link rel="stylesheet" href="/app.css"><script src="/app.js" defer></script></head>\n<body class="app">\n';
  let body = '';
  for (let i = 0; body.length + head.length < size - 20; i++) body += `<tr><td>INV-${i}</td><td>${(i * 37) % 1000}.00</td></tr>\n`;
  return Buffer.from(`${head}<table>${body}</table></body></html>\n`);
}

const chunks = (buf: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += CHUNK) out.push(buf.subarray(i, i + CHUNK));
  return out;
};

async function drain(input: Buffer[], transform: Duplex): Promise<number> {
  let bytes = 0;
  transform.on('data', (c: Buffer) => { bytes += c.length; });
  await pipeline(Readable.from(input), transform);
  return bytes;
}

interface Result { name: string; iterations: number; usPerPage: number; mbPerSec: number }

/** `size` is the decoded page size, so MB/s compares plain and gzip on the same footing. */
async function measure(name: string, input: Buffer[], make: () => Duplex, size = html.length): Promise<Result> {
  for (let i = 0; i < WARMUP; i++) await drain(input, make());
  const start = performance.now();
  let iterations = 0;
  while (iterations < MAX_ITERATIONS && performance.now() - start < MAX_MS) {
    await drain(input, make());
    iterations++;
  }
  const ms = performance.now() - start;
  return { name, iterations, usPerPage: (ms * 1000) / iterations, mbPerSec: (size * iterations) / (ms / 1000) / 1e6 };
}

const html = page(50 * 1024);
const gz = zlib.gzipSync(html);
const plainHeaders = { 'content-type': 'text/html; charset=utf-8' };
const gzipHeaders = { ...plainHeaders, 'content-encoding': 'gzip' };
const inject = (headers: Record<string, string>) => (): Duplex => planBannerInjection('GET', 200, headers, ctx)!.transform;

const results = [
  await measure('plain: pass-through baseline', chunks(html), () => new PassThrough()),
  await measure('plain: banner injected', chunks(html), inject(plainHeaders)),
  // The same decode → encode chain with a pass-through where the injector sits.
  await measure('gzip: decode + re-encode baseline', chunks(gz),
    () => new TransformChain((head) => decoderFor('gzip', head), [new PassThrough(), encoderFor('gzip')], 0)),
  await measure('gzip: banner injected', chunks(gz), inject(gzipHeaders)),
];

console.log(`banner injection, ${html.length} byte page (${gz.length} bytes gzip), ${CHUNK / 1024} KiB chunks`);
console.log('case'.padEnd(38), 'pages'.padStart(7), 'µs/page'.padStart(10), 'MB/s'.padStart(9));
for (const r of results) {
  console.log(r.name.padEnd(38), String(r.iterations).padStart(7), r.usPerPage.toFixed(1).padStart(10), r.mbPerSec.toFixed(1).padStart(9));
}
console.log('MB/s: decoded page bytes per second. The gzip rows are dominated by re-compression, paid once per page.');
