// planBannerInjection: which responses get a banner, the headers sent with
// one (framing, validators, digests, CSP, cookies), and the transform's output
// for an identity body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { IncomingHttpHeaders } from 'node:http';
import { planBannerInjection, BANNER_HASHES, type BannerContext } from '../../../src/banner/index.ts';

const ctx: BannerContext = {
  target: { user: 'alice', name: 'Alice Example' },
  actor: { user: 'bob', name: 'Bob Operator' },
  reason: 'ticket 4711: cannot see invoices',
  mode: 'read-only',
  expiresAt: Date.UTC(2030, 0, 1, 12, 30),
  csrfToken: 'csrf-123',
  releaseUrl: '/.actas/release',
  returnTo: '/invoices?year=2024',
  consoleUrl: '/.actas/',
};
const html: IncomingHttpHeaders = { 'content-type': 'text/html; charset=utf-8' };

test('HTML responses get a plan; everything else is left alone', () => {
  assert.ok(planBannerInjection('GET', 200, html, ctx));
  assert.ok(planBannerInjection('POST', 404, { 'content-type': 'TEXT/HTML' }, ctx));
  assert.ok(planBannerInjection('GET', 200, { 'content-type': 'text/html;charset="windows-1252"', 'content-encoding': 'gzip' }, ctx));
  const skipped: Array<[string, number, IncomingHttpHeaders]> = [
    ['HEAD', 200, html],
    ['GET', 101, html],
    ['GET', 204, html],
    ['GET', 205, html],
    ['GET', 304, html],
    ['GET', 206, { ...html, 'content-range': 'bytes 0-9/100' }],
    ['GET', 200, { ...html, 'content-disposition': 'attachment; filename="page.html"' }],
    ['GET', 200, { ...html, 'content-disposition': 'Attachment' }],
    ['GET', 200, { 'content-type': 'text/event-stream' }],
    ['GET', 200, { 'content-type': 'application/json' }],
    ['GET', 200, { 'content-type': 'application/xhtml+xml' }],
    ['GET', 200, { 'content-type': 'text/htmlx' }],
    ['GET', 200, {}],
    ['GET', 200, { 'content-type': 'text/html; charset=UTF-16LE' }],
    ['GET', 200, { ...html, 'content-encoding': 'zstd' }],
    ['GET', 200, { ...html, 'content-encoding': 'gzip, br' }],
    ['GET', 200, { ...html, 'content-length': '0' }],
  ];
  for (const [method, status, headers] of skipped) {
    assert.equal(planBannerInjection(method, status, headers, ctx), null, `${method} ${status} ${JSON.stringify(headers)}`);
  }
  assert.ok(planBannerInjection('GET', 200, { ...html, 'content-disposition': 'inline; filename=a.html' }, ctx));
});

test('a fetch/XHR request (Sec-Fetch-Dest not a document) gets no banner', () => {
  assert.equal(planBannerInjection('GET', 200, html, ctx, { requestHeaders: { 'sec-fetch-dest': 'empty' } }), null);
  assert.ok(planBannerInjection('GET', 200, html, ctx, { requestHeaders: { 'sec-fetch-dest': 'document' } }));
  assert.ok(planBannerInjection('GET', 200, html, ctx, { requestHeaders: { 'sec-fetch-dest': 'iframe' } }));
  assert.ok(planBannerInjection('GET', 200, html, ctx, { requestHeaders: {} }));
});

test('framing, validators and digests are corrected; cookies and other headers kept', () => {
  const plan = planBannerInjection('GET', 200, {
    ...html,
    'content-length': '1234',
    'transfer-encoding': 'chunked',
    connection: 'keep-alive, x-hop',
    'keep-alive': 'timeout=5',
    'x-hop': 'bye',
    etag: '"v1-abc"',
    'content-md5': 'Q2hlY2sgSW50ZWdyaXR5IQ==',
    digest: 'sha-256=abc',
    'content-digest': 'sha-256=:abc=:',
    'accept-ranges': 'bytes',
    'cache-control': 'public, max-age=600',
    'set-cookie': ['a=1; Path=/', 'b=2; Path=/; HttpOnly'],
    'x-app': 'kept',
    'content-encoding': 'gzip',
  }, ctx)!;
  const h = plan.headers;
  for (const gone of ['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'x-hop', 'content-md5', 'digest', 'content-digest', 'accept-ranges']) {
    assert.equal(h[gone], undefined, gone);
  }
  assert.equal(h.etag, 'W/"v1-abc"');
  assert.deepEqual(h['set-cookie'], ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
  assert.equal(h['x-app'], 'kept');
  assert.equal(h['content-encoding'], 'gzip');
  assert.equal(h['content-type'], 'text/html; charset=utf-8');
  assert.equal(h['cache-control'], 'no-store');
  assert.equal(planBannerInjection('GET', 200, { ...html, etag: 'W/"weak"' }, ctx)!.headers.etag, 'W/"weak"');
});

test('enforced and report-only CSP headers both get the hashes', () => {
  const plan = planBannerInjection('GET', 200, {
    ...html,
    'content-security-policy': "script-src 'nonce-a'",
    'content-security-policy-report-only': "default-src 'self'; report-uri /r",
  }, ctx)!;
  assert.equal(plan.headers['content-security-policy'], `script-src 'nonce-a' ${BANNER_HASHES.script}`);
  const ro = String(plan.headers['content-security-policy-report-only']);
  assert.ok(ro.includes(`style-src 'self' ${BANNER_HASHES.style}`), ro);
  assert.ok(ro.includes(`script-src 'self' ${BANNER_HASHES.script}`), ro);
});

test('the transform inserts exactly one banner after <body> and prefixes the title', async () => {
  const plan = planBannerInjection('GET', 200, html, ctx, { now: () => ctx.expiresAt - 90_000 })!;
  const page = '<!doctype html><html><head><title>Invoices</title></head><body class="app">\n<h1>Invoices</h1></body></html>';
  const out = await text(Readable.from([Buffer.from(page)]).pipe(plan.transform));
  assert.equal(out.split('<actas-banner').length - 1, 1);
  assert.ok(out.startsWith('<!doctype html><html><head><title>[as alice] Invoices</title></head><body class="app"><actas-banner'), out.slice(0, 120));
  assert.ok(out.endsWith('</actas-banner>\n<h1>Invoices</h1></body></html>'));
  assert.ok(out.includes('>1:30</time>'), 'countdown starts from the remaining time');
  assert.ok(out.includes('<input type="hidden" name="rd" value="/invoices?year=2024">'));
  assert.ok(out.includes('<input type="hidden" name="csrf" value="csrf-123">'));
  assert.equal(plan.stats.outcome, 'injected');
});

test('a hostile display name and reason appear only escaped', async () => {
  const evil = '<img src=x onerror=alert(1)>';
  const plan = planBannerInjection('GET', 200, html, {
    ...ctx, target: { user: `al"ice${evil}`, name: evil }, reason: `</template><script>alert(2)</script>`,
  })!;
  const out = await text(Readable.from([Buffer.from('<title>t</title><body>')]).pipe(plan.transform));
  assert.ok(!out.includes('<img'), 'no raw img tag');
  assert.ok(!out.includes('alert(2)</script>'), 'no raw script');
  assert.ok(out.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(out.includes('<title>[as al&quot;ice&lt;img src=x onerror=alert(1)&gt;] t</title>'));
  assert.equal(out.split('<script>').length - 1, 1, 'only actas’s own script');
});

test('a return path that leaves the origin becomes "/"; unsafe link URLs are refused up front', async () => {
  for (const returnTo of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)']) {
    const plan = planBannerInjection('GET', 200, html, { ...ctx, returnTo })!;
    const out = await text(Readable.from([Buffer.from('<body>')]).pipe(plan.transform));
    assert.ok(out.includes('name="rd" value="/"'), returnTo);
  }
  assert.throws(() => planBannerInjection('GET', 200, html, { ...ctx, releaseUrl: 'javascript:alert(1)' }), { code: 'ERR_ACTAS_BANNER_CONTEXT' });
  assert.throws(() => planBannerInjection('GET', 200, html, { ...ctx, consoleUrl: '//evil.example/' }), { code: 'ERR_ACTAS_BANNER_CONTEXT' });
  assert.throws(() => planBannerInjection('GET', 200, html, { ...ctx, expiresAt: Number.NaN }), { code: 'ERR_ACTAS_BANNER_CONTEXT' });
  assert.ok(planBannerInjection('GET', 200, html, { ...ctx, releaseUrl: 'https://proxy.example/.actas/release' }));
});

test('a CSP that refuses inline style attributes gets a banner without one', async () => {
  const render = async (headers: IncomingHttpHeaders, page = '<body>'): Promise<string> => {
    const plan = planBannerInjection('GET', 200, { ...html, ...headers }, ctx)!;
    return text(Readable.from([Buffer.from(page)]).pipe(plan.transform));
  };
  assert.ok((await render({})).includes('<actas-banner style="display:block!important'));
  assert.ok((await render({ 'content-security-policy': "style-src 'self' 'unsafe-inline'" })).includes('<actas-banner style='));
  assert.ok((await render({ 'content-security-policy': "style-src 'self'" })).includes('<actas-banner><template'));
  assert.ok((await render({ 'content-security-policy-report-only': "default-src 'self'" })).includes('<actas-banner><template'));
  const meta = `<head><meta http-equiv="Content-Security-Policy" content="default-src 'self'"></head><body>`;
  const out = await render({}, meta);
  assert.ok(out.includes('<actas-banner><template'), 'a meta policy counts too');
  assert.ok(out.includes(`content="default-src &#39;self&#39;; style-src &#39;self&#39; ${BANNER_HASHES.style.replaceAll("'", '&#39;')}`), out.slice(0, 300));
});
