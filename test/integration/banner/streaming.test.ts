// Streaming, not buffering: a multi-megabyte page that the upstream produces
// slowly reaches the client banner first, before the upstream has finished,
// and the transform never holds more than a small, fixed amount of it, even
// while the client stops reading for a while.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import zlib from 'node:zlib';
import type { Writable } from 'node:stream';
import { startForwarder, startServer, type Forwarder } from './forwarder.ts';

const HEAD = '<!doctype html><html><head><title>Big report</title></head><body class="report">\n';
const ROW = Buffer.from(`${'<p>row of the big report, generated slowly by the upstream</p>\n'.repeat(1024)}`); // 63 KiB
const ROWS = 256; // ~16 MiB in all
const FIRST = '<p>first words</p>\n';
const TAIL = '</body></html>\n';
const TOTAL = Buffer.byteLength(HEAD + FIRST + TAIL) + ROW.length * ROWS;
const LIMIT = 1024 * 1024; // what "bounded" means here: far below the page size

interface Run {
  gate: PromiseWithResolvers<void>;   // opened by the client once it saw the banner
  upstreamDone: boolean;
  maxBuffered: number;
}
let current: Run;
let upstream: { url: string; close: () => Promise<void> };
let fwd: Forwarder;

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((r) => setTimeout(r, ms, 'timeout').unref())]);

/** Samples what the forwarder's transform holds right now. */
function sample(): void {
  const plan = fwd.plans.at(-1);
  if (plan) current.maxBuffered = Math.max(current.maxBuffered, plan.bufferedBytes());
}

before(async () => {
  upstream = await startServer(async (req, res) => {
    const run = current;
    const gzip = req.url?.includes('gzip');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    let out: Writable = res;
    if (gzip) {
      const z = zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH });
      z.pipe(res);
      out = z;
    }
    const write = async (chunk: Buffer | string): Promise<void> => {
      if (!out.write(chunk)) await within(once(out, 'drain'), 10_000);
      sample();
    };
    await write(HEAD);
    await write(FIRST);
    // Hold the rest back until the client has the banner (bounded: a buffering proxy fails the test, not hangs it).
    await within(run.gate.promise, 10_000);
    for (let i = 0; i < ROWS; i++) {
      await write(ROW);
    }
    out.end(TAIL);
    await once(res, 'finish');
    run.upstreamDone = true;
  });
  fwd = await startForwarder(upstream.url);
});

after(async () => {
  await fwd?.close();
  await upstream?.close();
});

for (const enc of ['identity', 'gzip']) {
  test(`a slow 16 MiB ${enc} page streams: banner first, memory bounded`, async () => {
    current = {
      gate: Promise.withResolvers(),
      upstreamDone: false,
      maxBuffered: 0,
    };
    const run = current;
    const res = await fetch(`${fwd.url}/report?enc=${enc}`);
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let received = 0;
    let window = '';
    let banners = 0;
    let bannerBeforeUpstreamDone: boolean | undefined;
    for (let reads = 0; reads < 100_000; reads++) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      sample();
      const text = window + Buffer.from(value).toString('latin1');
      banners += text.split('</actas-banner>').length - 1 - (window.split('</actas-banner>').length - 1);
      window = text.slice(-20);
      if (banners === 1 && bannerBeforeUpstreamDone === undefined) {
        bannerBeforeUpstreamDone = !run.upstreamDone;
        run.gate.resolve();
        // Stop reading for a while: the upstream keeps writing into a stalled path.
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    assert.equal(bannerBeforeUpstreamDone, true, 'the client had the banner before the upstream finished');
    assert.equal(banners, 1);
    assert.ok(run.upstreamDone);
    const plan = fwd.plans.at(-1)!;
    // Every byte arrived: the whole page went in, the page plus banner and title prefix came out.
    assert.equal(plan.stats.bytesIn, TOTAL);
    assert.equal(received, plan.stats.bytesOut);
    assert.equal(plan.stats.outcome, 'injected');
    assert.ok(plan.stats.maxHeldBytes <= 64, `held back ${plan.stats.maxHeldBytes} bytes`);
    assert.ok(run.maxBuffered < LIMIT, `transform buffered up to ${run.maxBuffered} bytes`);
  });
}
