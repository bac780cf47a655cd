// The encoded path: every supported coding survives byte-by-byte delivery,
// empty and truncated bodies, and a corrupt body fails the stream instead of
// producing garbage; the chain tears down every stage on destroy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { acceptEncodingForBanner, planBannerInjection, type BannerContext } from '../../../src/banner/index.ts';
import { parseCoding } from '../../../src/banner/codec.ts';

const ctx: BannerContext = {
  target: { user: 'alice' }, actor: { user: 'bob' }, reason: 'support ticket', mode: 'read-only',
  expiresAt: Date.now() + 60_000, csrfToken: 't', releaseUrl: '/.actas/release', returnTo: '/', consoleUrl: '/.actas/',
};
const PAGE = Buffer.from('<html><head><title>T</title></head><body id=b>hello world, '.repeat(1) + 'x'.repeat(5000) + '</body></html>');

const CODECS: Record<string, { header: string; encode: (b: Buffer) => Buffer; decode: (b: Buffer) => Buffer }> = {
  gzip: { header: 'gzip', encode: zlib.gzipSync, decode: (b) => zlib.gunzipSync(b) },
  deflate: { header: 'deflate', encode: zlib.deflateSync, decode: (b) => zlib.inflateSync(b) },
  'raw deflate': { header: 'deflate', encode: zlib.deflateRawSync, decode: (b) => zlib.inflateSync(b) },
  br: { header: 'br', encode: zlib.brotliCompressSync, decode: (b) => zlib.brotliDecompressSync(b) },
};

/** Runs `input` (already cut into chunks) through a fresh plan; returns the raw output. */
async function through(coding: string, input: Buffer[]): Promise<Buffer> {
  const plan = planBannerInjection('GET', 200, { 'content-type': 'text/html', 'content-encoding': coding }, ctx)!;
  const out: Buffer[] = [];
  plan.transform.on('data', (c: Buffer) => out.push(c));
  await pipeline(Readable.from(input), plan.transform);
  return Buffer.concat(out);
}

const bytes = (b: Buffer): Buffer[] => Array.from(b, (x) => Buffer.from([x]));

for (const [name, c] of Object.entries(CODECS)) {
  test(`${name}: one byte at a time decodes, injects once and re-encodes`, async () => {
    const out = c.decode(await through(c.header, bytes(c.encode(PAGE)))).toString();
    assert.equal(out.split('<actas-banner').length - 1, 1);
    assert.ok(out.includes('<body id=b><actas-banner'));
    assert.ok(out.endsWith(`${'x'.repeat(5000)}</body></html>`));
  });

  test(`${name}: an empty body stays an empty page`, async () => {
    const out = await through(c.header, []);
    assert.equal(c.decode(out).length, 0);
  });
}

test('a gzip body cut short still yields what it holds, with the banner', async () => {
  const full = zlib.gzipSync(PAGE);
  const cut = full.subarray(0, full.length - 8); // no trailer
  const out = zlib.gunzipSync(await through('gzip', [cut])).toString();
  assert.ok(out.includes('<body id=b><actas-banner'));
  assert.ok(out.endsWith('</body></html>'));
});

test('a corrupt body fails the transform with a zlib error', async () => {
  await assert.rejects(through('gzip', [Buffer.from('definitely not gzip data')]), { code: 'Z_DATA_ERROR' });
  await assert.rejects(through('br', [Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]));
});

test('destroying the transform mid-stream ends it with that error, and it accepts no more', async () => {
  const plan = planBannerInjection('GET', 200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }, ctx)!;
  const errors: Error[] = [];
  plan.transform.on('error', (e) => errors.push(e));
  plan.transform.write(zlib.gzipSync(PAGE).subarray(0, 20));
  plan.transform.destroy(new Error('client went away'));
  await new Promise((r) => plan.transform.once('close', r));
  assert.deepEqual(errors.map((e) => e.message), ['client went away']);
  assert.equal(plan.transform.writable, false);
});

test('content codings: one known coding is handled, anything else is not', () => {
  assert.equal(parseCoding(undefined), 'identity');
  assert.equal(parseCoding('identity'), 'identity');
  assert.equal(parseCoding(' GZIP '), 'gzip');
  assert.equal(parseCoding('x-gzip'), 'gzip');
  assert.equal(parseCoding('deflate'), 'deflate');
  assert.equal(parseCoding('br'), 'br');
  assert.equal(parseCoding('gzip, identity'), 'gzip');
  assert.equal(parseCoding('gzip, br'), null);
  assert.equal(parseCoding('zstd'), null);
  assert.equal(parseCoding('compress'), null);
});

test('Accept-Encoding sent upstream is narrowed to codings the banner can decode', () => {
  assert.equal(acceptEncodingForBanner('gzip, deflate, br, zstd'), 'gzip, deflate, br');
  assert.equal(acceptEncodingForBanner('br;q=1.0, gzip;q=0.8, *;q=0.1'), 'br;q=1.0, gzip;q=0.8');
  assert.equal(acceptEncodingForBanner('zstd'), 'identity');
  assert.equal(acceptEncodingForBanner(undefined), 'identity');
  assert.equal(acceptEncodingForBanner(['gzip', 'compress']), 'gzip');
});
