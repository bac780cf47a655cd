// The full act-as cycle in the demo, in Chromium: an admin signs in, acts as
// alice from the console, sees the banner on every page of the sample app
// (a gzip page and a strict-CSP page included), is refused a write in
// read-only mode, stops from the banner, and the audit log holds each step
// with both identities.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, ConsoleMessage } from 'playwright-core';
import type { RunningDemo } from '../../src/demo/run.ts';
import { startDemoWithBrowser } from '../support/demo.ts';
import { outputDir } from '../support/browser.ts';
import { waitForAudit } from '../support/audit.ts';

let demo: RunningDemo;
let browser: Browser;
let close: () => Promise<void> = async () => undefined;
before(async () => ({ demo, browser, close } = await startDemoWithBrowser()));
after(() => close());

test('admin acts as alice in the demo: banner on every page, read-only enforced, Stop ends it, all audited', async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  // The refused write's 403 is expected; any other error (a CSP violation, a script error) is not.
  const expected = (m: ConsoleMessage) => m.location().url.endsWith('/favicon.ico') || /status of 403/.test(m.text());
  page.on('console', (m: ConsoleMessage) => { if (m.type() === 'error' && !expected(m)) problems.push(`${m.text()} @ ${m.location().url}`); });
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });

  await page.goto(`${demo.url}/.actas/`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('admin-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${demo.url}/.actas/`);
  await page.getByLabel('Find a user').fill('ali');
  const alice = page.locator('#results li[data-sub="alice"]');
  await alice.waitFor({ timeout: 10_000 });
  await alice.getByLabel(/^Reason/).fill('Ticket 4711: timetable is empty');
  await alice.getByRole('button', { name: 'Start acting as alice' }).click();
  await page.waitForURL(`${demo.url}/`);

  assert.equal(await page.locator('#greeting').textContent(), 'Hello, alice!');
  assert.equal(await page.locator('#verified').textContent(), 'verified');
  assert.equal(await page.locator('[data-header="x-impersonator"]').textContent(), 'admin');
  for (const path of ['/', '/report.html', '/strict', '/notes']) {
    await page.goto(`${demo.url}${path}`);
    const banner = page.locator('actas-banner section');
    assert.equal(await page.locator('actas-banner').count(), 1, `one banner on ${path}`);
    assert.ok(await banner.isVisible(), `banner visible on ${path}`);
    assert.match(await banner.textContent() ?? '', /Alice Example[\s\S]*admin[\s\S]*Ticket 4711/, path);
    assert.match(await page.title(), /^\[as alice\]/, path);
  }
  await page.goto(`${demo.url}/strict`);
  assert.equal(await page.locator('#own-script').textContent(), "The page's own script ran.", 'the page keeps its own CSP-allowed script');
  await page.goto(`${demo.url}/report.html`);
  assert.match(await page.locator('h1').textContent() ?? '', /Quarterly report for alice/, 'the gzip page decodes');
  await page.screenshot({ path: join(outputDir(), 'demo-banner.png') });

  await page.goto(`${demo.url}/notes`);
  await page.getByLabel('New note').fill('written while acting');
  await page.getByRole('button', { name: 'Save' }).click();
  assert.match(await page.locator('h1').textContent() ?? '', /Not allowed while acting as someone else/);

  await page.goto(`${demo.url}/`);
  await page.locator('actas-banner').getByRole('button', { name: 'Stop acting as alice' }).click();
  await page.waitForURL(`${demo.url}/`);
  assert.equal(await page.locator('#greeting').textContent(), 'Hello, admin!');
  assert.equal(await page.locator('actas-banner').count(), 0);
  assert.deepEqual(problems, [], 'no script errors, CSP violations or dialogs');

  const events = await waitForAudit(demo.auditFile, (e) => e.some((x) => x.type === 'impersonation.stop'));
  const steps = events.filter((e) => e.actor?.user === 'admin' && e.subject?.user === 'alice').map((e) => e.type);
  for (const type of ['impersonation.start', 'request', 'request.blocked', 'impersonation.stop']) assert.ok(steps.includes(type), `${type} with both identities`);
});
