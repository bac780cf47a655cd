// The banner in a real browser, through the test forwarder: visible under
// nonce, hash, 'unsafe-inline', default-src 'none', strict-dynamic,
// report-only, meta and trusted-types policies without a single CSP violation
// of its own and without breaking the page's inline content; unmoved by hostile
// page CSS; escaping a hostile name; a countdown that ticks; a Stop button
// that works by keyboard and without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import type http from 'node:http';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startForwarder, startServer, testContext, type Forwarder } from './forwarder.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;
if (skip) console.log(`# skipping Chromium banner tests: ${skip}`);

const NONCE = 'abc123';
const OWN_SCRIPT = "window.pageScript = 'ran';";
const OWN_STYLE = '#own { color: rgb(0, 128, 0); }';
const sha = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
const EVIL = '<img src=x onerror=alert(1)>';

interface Variant {
  csp?: string | string[];
  reportOnly?: string;
  meta?: string;
  inline: 'nonce' | 'plain' | 'none'; // how the page's own inline content is marked
  dynamic?: boolean;                   // the page's script loads another one (strict-dynamic)
}

const VARIANTS: Record<string, Variant> = {
  nonce: { csp: `default-src 'self'; script-src 'nonce-${NONCE}'; style-src 'nonce-${NONCE}'`, inline: 'nonce' },
  hash: { csp: `default-src 'self'; script-src ${sha(OWN_SCRIPT)}; style-src ${sha(OWN_STYLE)}`, inline: 'plain' },
  'unsafe-inline': { csp: "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'", inline: 'plain' },
  'default-none': { csp: "default-src 'none'", inline: 'none' },
  'strict-dynamic': { csp: `script-src 'nonce-${NONCE}' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'`, inline: 'nonce', dynamic: true },
  'report-only': { reportOnly: `default-src 'self'; script-src 'nonce-${NONCE}'; style-src 'nonce-${NONCE}'`, inline: 'nonce' },
  'two-headers': { csp: [`script-src 'nonce-${NONCE}'`, `style-src 'nonce-${NONCE}'; img-src 'self'`], inline: 'nonce' },
  meta: { meta: `default-src 'self'; script-src 'nonce-${NONCE}'; style-src 'nonce-${NONCE}'`, inline: 'nonce' },
  'trusted-types': { csp: `require-trusted-types-for 'script'; script-src 'nonce-${NONCE}'`, inline: 'nonce' },
};

function page(v: Variant): string {
  const n = v.inline === 'nonce' ? ` nonce="${NONCE}"` : '';
  const own = v.inline === 'none' ? '' : `<style${n}>${OWN_STYLE}</style><script${n}>${OWN_SCRIPT}</script>`;
  const dynamic = v.dynamic
    ? `<script nonce="${NONCE}">var s = document.createElement('script'); s.src = '/app.js'; document.head.appendChild(s);</script>`
    : '';
  const meta = v.meta ? `<meta http-equiv="Content-Security-Policy" content="${v.meta.replaceAll("'", '&#39;')}">` : '';
  return `<!doctype html><html><head><meta charset="utf-8">${meta}<title>CSP test</title>${own}${dynamic}</head>`
    + '<body><header id="top"><h1>Legacy app</h1><a href="/x">home</a></header><p id="own">own content</p></body></html>';
}

const HOSTILE_CSS = `<!doctype html><html><head><title>Hostile</title><style>
* { all: unset !important; color: red !important; display: none !important; font-size: 40px !important; }
html, body, #top, #top * { display: block !important; }
actas-banner, actas-banner * { display: none !important; visibility: hidden !important; opacity: 0 !important; }
:not(:defined) { display: none !important; }
section, button { background: lime !important; color: red !important; }
body > :first-child { position: absolute !important; top: -9999px !important; }
</style></head><body><header id="top">Site header</header></body></html>`;

let upstream: { url: string; close: () => Promise<void> };
let fwd: Forwarder;
let browser: Browser | undefined;
const releases: Array<{ body: string; contentType: string | undefined }> = [];

function release(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (!req.url?.startsWith('/.actas/')) return false;
  if (req.method === 'POST' && req.url === '/.actas/release') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      releases.push({ body, contentType: req.headers['content-type'] });
      const rd = new URLSearchParams(body).get('rd') ?? '/';
      res.writeHead(303, { location: rd.startsWith('/') && !rd.startsWith('//') ? rd : '/' }).end();
    });
  } else {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('console');
  }
  return true;
}

before(async () => {
  if (skip) return;
  upstream = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end('window.dynamicLoaded = true;');
      return;
    }
    if (url.pathname === '/hostile') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(HOSTILE_CSS);
      return;
    }
    const variant = VARIANTS[url.pathname.replace('/csp/', '')];
    if (!variant) { res.writeHead(404, { 'content-type': 'text/plain' }).end(); return; }
    if (variant.csp) res.setHeader('content-security-policy', variant.csp); // an array: one header line each
    if (variant.reportOnly) res.setHeader('content-security-policy-report-only', variant.reportOnly);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(variant));
  });
  fwd = await startForwarder(upstream.url, {
    reserved: release,
    context: (req) => testContext(req, req.url?.includes('evil') ? { target: { user: 'alice', name: EVIL } } : {}),
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
});

after(async () => {
  await browser?.close();
  await fwd?.close();
  await upstream?.close();
});

interface Watched { page: Page; context: BrowserContext; violations: unknown[]; cspConsole: string[]; dialogs: string[] }

/** A fresh page that records CSP violations (events and console) and dialogs. */
async function open(options: { javaScriptEnabled?: boolean } = {}): Promise<Watched> {
  const context = await browser!.newContext({ viewport: { width: 1000, height: 600 }, ...options });
  await context.addInitScript(`
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample, disposition: e.disposition });
    });`);
  const page = await context.newPage();
  const watched: Watched = { page, context, violations: [], cspConsole: [], dialogs: [] };
  page.on('console', (m) => { if (/Content Security Policy|Trusted Type/i.test(m.text())) watched.cspConsole.push(m.text()); });
  page.on('dialog', (d) => { watched.dialogs.push(d.message()); void d.dismiss(); });
  return watched;
}

// Browser-side code is passed as text: the project's type library has no DOM.
const inPage = <T>(p: Page, expression: string): Promise<T> => p.evaluate(expression) as Promise<T>;
/** Polls `expression` until it is true (page.waitForFunction would eval inside the page, which a CSP may forbid). */
async function waitInPage(p: Page, expression: string, what: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await inPage<boolean>(p, expression)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}
/** Evaluates `expression` with `root` bound to the banner's shadow root. */
const shadow = <T>(p: Page, expression: string): Promise<T> =>
  inPage<T>(p, `(() => { const root = document.querySelector('actas-banner').shadowRoot; return ${expression}; })()`);

/** The banner's countdown changes within a few seconds (it ticks once a second). */
async function assertTicks(p: Page): Promise<void> {
  const first = await p.locator('actas-banner time').textContent();
  assert.match(first ?? '', /^\d+:\d\d$/);
  await waitInPage(p, `document.querySelector('actas-banner').shadowRoot.querySelector('time').textContent !== ${JSON.stringify(first)}`, 'the countdown to tick');
}

for (const [name, variant] of Object.entries(VARIANTS)) {
  test(`CSP ${name}: banner shown, page's own inline content works, no violation`, { skip }, async (t) => {
    const w = await open();
    t.after(() => w.context.close());
    const { page: p } = w;
    const res = await p.goto(`${fwd.url}/csp/${name}`);
    assert.equal(res?.status(), 200);
    const section = p.locator('actas-banner section');
    assert.ok(await section.isVisible(), 'banner visible');
    assert.match(await section.innerText(), /Acting as\s+Alice Example\s+\(alice\)/);
    assert.equal(await p.title(), '[as alice] CSP test');
    await assertTicks(p); // the inline script is allowed
    assert.equal(await shadow(p, "getComputedStyle(root.querySelector('section')).backgroundColor"), 'rgb(155, 13, 31)', 'inline style allowed');
    if (variant.inline !== 'none') {
      assert.equal(await inPage(p, 'window.pageScript'), 'ran', "page's inline script ran");
      assert.equal(await inPage(p, "getComputedStyle(document.getElementById('own')).color"), 'rgb(0, 128, 0)', "page's inline style applied");
    }
    if (variant.dynamic) await waitInPage(p, 'window.dynamicLoaded === true', 'the dynamically loaded script');
    assert.deepEqual(await inPage(p, 'window.__csp'), []);
    assert.deepEqual(w.cspConsole, []);
    assert.deepEqual(w.dialogs, []);
    if (name === 'nonce') {
      mkdirSync('test-output', { recursive: true });
      await p.screenshot({ path: 'test-output/banner.png', clip: { x: 0, y: 0, width: 1000, height: 160 } });
    }
  });
}

test('hostile page CSS cannot hide or restyle the banner, and the banner pushes the header down', { skip }, async (t) => {
  const w = await open();
  t.after(() => w.context.close());
  const { page: p } = w;
  await p.goto(`${fwd.url}/hostile`);
  const host = await p.locator('actas-banner').boundingBox();
  assert.ok(host && host.height >= 30 && host.width >= 900 && host.y === 0, `banner box ${JSON.stringify(host)}`);
  assert.ok(await p.locator('actas-banner section').isVisible());
  const look = await shadow(p, `(() => {
    const s = getComputedStyle(root.querySelector('section'));
    const b = getComputedStyle(root.querySelector('button'));
    return { bg: s.backgroundColor, color: s.color, size: s.fontSize, button: b.backgroundColor };
  })()`);
  assert.deepEqual(look, { bg: 'rgb(155, 13, 31)', color: 'rgb(255, 255, 255)', size: '14px', button: 'rgb(255, 255, 255)' });
  const header = await p.locator('#top').boundingBox();
  assert.ok(header && header.y >= host.y + host.height - 1, `header at ${header?.y}, banner ends at ${host.y + host.height}`);
});

test('a hostile display name renders as text and opens no dialog', { skip }, async (t) => {
  const w = await open();
  t.after(() => w.context.close());
  const { page: p } = w;
  await p.goto(`${fwd.url}/csp/unsafe-inline?evil=1`);
  assert.ok((await p.locator('actas-banner section').innerText()).includes(EVIL));
  assert.equal(await shadow(p, "root.querySelectorAll('img').length"), 0);
  assert.equal(await inPage(p, "document.querySelectorAll('img').length"), 0);
  await p.waitForTimeout(300); // give a broken image's onerror the chance to fire, if it existed
  assert.deepEqual(w.dialogs, []);
});

test('the Stop button is reachable by keyboard', { skip }, async (t) => {
  const w = await open();
  t.after(() => w.context.close());
  const { page: p } = w;
  await p.goto(`${fwd.url}/csp/nonce`);
  await p.keyboard.press('Tab');
  const focused = await inPage(p, `(() => {
    const host = document.activeElement, inner = host.shadowRoot && host.shadowRoot.activeElement;
    return host.tagName + '>' + (inner && inner.tagName) + ':' + (inner && inner.textContent);
  })()`);
  assert.equal(focused, 'ACTAS-BANNER>BUTTON:Stop acting as alice');
});

test('Stop works without JavaScript: a form POST with csrf and rd, back to the same page', { skip }, async (t) => {
  const w = await open({ javaScriptEnabled: false });
  t.after(() => w.context.close());
  const { page: p } = w;
  const path = '/csp/nonce?tab=2&q=a%20b';
  await p.goto(fwd.url + path);
  assert.ok(await p.locator('actas-banner section').isVisible(), 'declarative shadow DOM needs no script');
  const before = { releases: releases.length, pages: fwd.plans.length };
  await p.locator('actas-banner button').click();
  // The POST reaches the release route, whose 303 brings the browser back to the same page.
  for (let i = 0; i < 200 && (releases.length === before.releases || fwd.plans.length === before.pages); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await p.waitForLoadState('load');
  assert.equal(fwd.plans.length, before.pages + 1, 'the page was loaded again');
  assert.equal(p.url(), fwd.url + path);
  assert.equal(releases.length, before.releases + 1);
  const posted = new URLSearchParams(releases.at(-1)!.body);
  assert.equal(posted.get('csrf'), 'csrf-token-1');
  assert.equal(posted.get('rd'), path);
  assert.equal(releases.at(-1)!.contentType, 'application/x-www-form-urlencoded');
});
