// Real upstream, real forwarder, real clients: compressed (gzip, deflate, raw
// deflate, br) and plain pages, chunked or with Content-Length, come out with
// exactly one banner after <body …> and correct framing and validators; every
// response that must not be touched arrives byte for byte as the upstream sent it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import type http from 'node:http';
import { startForwarder, startServer, rawRequest, type Forwarder, type RawResponse } from './forwarder.ts';

const ROWS = Array.from({ length: 3000 }, (_, i) => `<tr><td>INV-${i}</td><td>${(i * 37) % 1000}.00 EUR</td></tr>`).join('\n');
const PAGE = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Invoices</title>'
  + '<script nonce="n">window.x = "<body>";</script></head>\n'
  + `<body class="app" data-x="a>b">\n<h1>Invoices</h1><table>${ROWS}</table></body></html>\n`;
const EXPECTED_WITHOUT_BANNER = PAGE.replace('<title>', '<title>[as alice] ');

const ENCODERS: Record<string, { header: string; encode: (b: Buffer) => Buffer; decode: (b: Buffer) => Buffer }> = {
  identity: { header: '', encode: (b) => b, decode: (b) => b },
  gzip: { header: 'gzip', encode: (b) => zlib.gzipSync(b), decode: (b) => zlib.gunzipSync(b) },
  deflate: { header: 'deflate', encode: (b) => zlib.deflateSync(b), decode: (b) => zlib.inflateSync(b) },
  'deflate-raw': { header: 'deflate', encode: (b) => zlib.deflateRawSync(b), decode: (b) => zlib.inflateSync(b) },
  br: { header: 'br', encode: (b) => zlib.brotliCompressSync(b), decode: (b) => zlib.brotliDecompressSync(b) },
};

let upstream: { url: string; close: () => Promise<void> };
let fwd: Forwarder;

/** Writes `body` in `pieces` parts, one per event-loop turn (a chunked response). */
function writeInPieces(res: http.ServerResponse, body: Buffer, pieces: number): void {
  const size = Math.ceil(body.length / pieces);
  let offset = 0;
  const next = (): void => {
    if (offset >= body.length) { res.end(); return; }
    res.write(body.subarray(offset, offset + size));
    offset += size;
    setImmediate(next);
  };
  next();
}

before(async () => {
  upstream = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const common = { etag: '"page-v1"', 'set-cookie': ['sid=up1; Path=/; HttpOnly', 'theme=dark; Path=/'], 'content-md5': 'AAAA', 'x-app': 'legacy' };
    switch (url.pathname) {
      case '/page': {
        const enc = ENCODERS[url.searchParams.get('enc') ?? 'identity']!;
        const body = enc.encode(Buffer.from(PAGE));
        const headers: http.OutgoingHttpHeaders = { ...common, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "script-src 'nonce-n'" };
        if (enc.header) headers['content-encoding'] = enc.header;
        if (url.searchParams.get('framing') === 'cl') {
          headers['content-length'] = body.length;
          res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
        } else {
          res.writeHead(200, headers);
          if (req.method === 'HEAD') res.end();
          else writeInPieces(res, body, 7);
        }
        return;
      }
      case '/json': res.writeHead(200, { ...common, 'content-type': 'application/json' }).end('{"html":"<body>"}'); return;
      case '/css': res.writeHead(200, { 'content-type': 'text/css', 'content-encoding': 'gzip' }).end(zlib.gzipSync('body{color:red}')); return;
      case '/sse':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        writeInPieces(res, Buffer.from('data: <body>\n\ndata: two\n\ndata: three\n\n'), 3);
        return;
      case '/attachment':
        res.writeHead(200, { ...common, 'content-type': 'text/html', 'content-disposition': 'attachment; filename="report.html"', 'content-length': Buffer.byteLength(PAGE) }).end(PAGE);
        return;
      case '/empty': res.writeHead(204, common).end(); return;
      case '/cached':
        if (req.headers['if-none-match'] === '"page-v1"') { res.writeHead(304, { etag: '"page-v1"' }).end(); return; }
        res.writeHead(200, { ...common, 'content-type': 'text/html' }).end(PAGE);
        return;
      case '/range':
        res.writeHead(206, { ...common, 'content-type': 'text/html', 'content-range': `bytes 0-99/${PAGE.length}`, 'content-length': 100 }).end(PAGE.slice(0, 100));
        return;
      case '/stacked': {
        const body = zlib.brotliCompressSync(zlib.gzipSync(PAGE));
        res.writeHead(200, { ...common, 'content-type': 'text/html', 'content-encoding': 'gzip, br', 'content-length': body.length }).end(body);
        return;
      }
      case '/zstd': res.writeHead(200, { ...common, 'content-type': 'text/html', 'content-encoding': 'zstd' }).end(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3])); return;
      case '/corrupt': res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(Buffer.from('this is not gzip at all, not even close')); return;
      default: res.writeHead(404, { 'content-type': 'text/plain' }).end('no');
    }
  });
  fwd = await startForwarder(upstream.url);
});

after(async () => {
  await fwd?.close();
  await upstream?.close();
});

/** Checks a decoded page: one banner right after the body tag, everything else as the upstream wrote it. */
function assertOneBanner(decoded: string): void {
  const banners = decoded.match(/<actas-banner[\s\S]*?<\/actas-banner>/g) ?? [];
  assert.equal(banners.length, 1, 'exactly one banner');
  assert.ok(decoded.includes(`<body class="app" data-x="a>b"><actas-banner`), 'banner right after <body …>');
  assert.equal(decoded.replace(banners[0]!, ''), EXPECTED_WITHOUT_BANNER);
}

for (const enc of Object.keys(ENCODERS)) {
  for (const framing of ['chunked', 'cl']) {
    test(`${enc} page, ${framing === 'cl' ? 'Content-Length' : 'chunked'}: one banner, framing and validators fixed`, async () => {
      const path = `/page?enc=${enc}&framing=${framing}`;
      const raw = await rawRequest(fwd.url + path, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      assert.equal(raw.status, 200);
      assert.equal(raw.headers['content-length'], undefined);
      assert.equal(raw.headers['transfer-encoding'], 'chunked');
      assert.equal(raw.headers['content-encoding'], ENCODERS[enc]!.header || undefined);
      assert.equal(raw.headers.etag, 'W/"page-v1"');
      assert.equal(raw.headers['content-md5'], undefined);
      assert.deepEqual(raw.headers['set-cookie'], ['sid=up1; Path=/; HttpOnly', 'theme=dark; Path=/']);
      assert.equal(raw.headers['x-actas-impersonating'], 'alice');
      assert.match(String(raw.headers['content-security-policy']), /^script-src 'nonce-n' 'sha256-[^']+'$/);
      assertOneBanner(ENCODERS[enc]!.decode(raw.body).toString('utf8'));

      // A browser-like client (fetch decodes the body) sees the same page.
      const res = await fetch(fwd.url + path);
      assert.equal(res.status, 200);
      assertOneBanner(await res.text());
    });
  }
}

/** Headers that describe the hop, not the response. */
const HOP = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'x-actas-impersonating']);
const endToEnd = (r: RawResponse): string[][] => {
  const pairs: string[][] = [];
  for (let i = 0; i < r.rawHeaders.length; i += 2) {
    if (!HOP.has(r.rawHeaders[i]!.toLowerCase())) pairs.push([r.rawHeaders[i]!.toLowerCase(), r.rawHeaders[i + 1]!]);
  }
  return pairs;
};

const UNTOUCHED: Array<[string, string, http.OutgoingHttpHeaders?]> = [
  ['HEAD', '/page?enc=gzip&framing=cl'],
  ['HEAD', '/page?enc=identity&framing=chunked'],
  ['GET', '/json'],
  ['GET', '/css'],
  ['GET', '/sse'],
  ['GET', '/attachment'],
  ['GET', '/empty'],
  ['GET', '/cached', { 'if-none-match': '"page-v1"' }],
  ['GET', '/range'],
  ['GET', '/stacked'],
  ['GET', '/zstd'],
  ['GET', '/page?enc=gzip&framing=cl', { 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' }],
];

for (const [method, path, headers] of UNTOUCHED) {
  test(`${method} ${path}${headers ? ` ${JSON.stringify(headers)}` : ''} passes through byte for byte`, async () => {
    const direct = await rawRequest(upstream.url + path, { method, headers });
    const proxied = await rawRequest(fwd.url + path, { method, headers });
    assert.equal(proxied.status, direct.status);
    assert.deepEqual(endToEnd(proxied), endToEnd(direct));
    assert.ok(proxied.body.equals(direct.body), 'same body bytes');
    assert.equal(proxied.headers['x-actas-impersonating'], 'alice', 'non-HTML clients still learn who they act as');
  });
}

test('a corrupt gzip body aborts the response instead of sending garbage', async () => {
  // Whether the headers got out first or not, the client never sees a completed page.
  await assert.rejects(async () => {
    const res = await fetch(`${fwd.url}/corrupt`);
    await res.text();
  });
});
