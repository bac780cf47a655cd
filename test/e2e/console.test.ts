// The console journey in Chromium, every part real (demo IdP, upstream,
// actas): an admin signs in, searches, sees who they may act as and why not,
// is told a reason is too short, starts, browses the app as alice under the
// banner, and an auditor in another browser revokes it. Screenshots of the
// console and the banner are saved to test-output/ for the README.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { startStack, PASSWORDS, type Stack } from '../support/stack.ts';
import { launchBrowser, outputDir } from '../support/browser.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;
if (skip) console.log(`# skipping the console journey: ${skip}`);

let stack: Stack;
let browser: Browser;

before(async () => {
  if (skip) return;
  stack = await startStack({
    configure: (c) => {
      c.impersonation = {
        rules: [{ name: 'support-acts-as-staff', actors: { groups: ['admins'] }, targets: { groups: ['staff'] }, except: { groups: ['admins'] }, maxDuration: '30m', mode: 'read-only' }],
        auditors: { groups: ['admins'] },
      };
    },
  });
  // The directory holds the people seen at login.
  await stack.loginAs('alice');
  await stack.loginAs('carol');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

/** Signs in at the IdP's form the page was sent to, and waits to be back at `back`. */
async function signIn(page: Page, user: string, back: string): Promise<void> {
  assert.ok(page.url().startsWith(stack.idp.issuer), `at the IdP: ${page.url()}`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(PASSWORDS[user]!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(back);
}

/** Types into the search box and waits for the script to list `sub`. */
async function search(page: Page, q: string, sub: string) {
  await page.getByLabel('Find a user').fill(q);
  const item = page.locator(`#results li[data-sub="${sub}"]`);
  await item.waitFor({ timeout: 10_000 });
  return item;
}

test('admin acts as alice from the console; an auditor revokes it from another browser', { skip }, async () => {
  // Script errors and CSP violations; the browser's own favicon probe is not the console's.
  const violations: string[] = [];
  const onError = (m: ConsoleMessage): void => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) violations.push(`${m.text()} ${m.location().url}`);
  };
  const admin = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const a = await admin.newPage();
  a.on('console', onError);

  // Signed out: the console sends the browser to the IdP, and back to itself (rd kept).
  const consoleUrl = `${stack.url}/.actas/?rd=/html`;
  await a.goto(consoleUrl);
  await signIn(a, 'admin', consoleUrl);
  assert.equal(await a.getByRole('heading', { level: 2, name: /Signed in as/ }).textContent(), 'Signed in as Ada Admin (admin)');

  // Search as you type: alice is allowed, carol (another admin) refused with the reason.
  const alice = await search(a, 'ali', 'alice');
  assert.equal(await a.locator('#results-status').textContent(), '1 user found.');
  assert.match(await alice.locator('.r-verdict').textContent() ?? '', /^Allowed: read-only, up to 30 min \(rule support-acts-as-staff\)\.$/);
  assert.deepEqual(await alice.getByLabel('Duration').locator('option').allTextContents(), ['5 min', '15 min', '30 min']);
  const carol = await search(a, 'carol', 'carol');
  assert.match(await carol.locator('.r-verdict').textContent() ?? '', /^Not allowed: This user may act as others themselves/);
  assert.equal(await carol.locator('form').count(), 0, 'no Start form for a refused target');
  assert.match(a.url(), /[?&]q=carol/, 'the search is in the address, so a reload keeps it');

  await search(a, 'ali', 'alice');
  await a.screenshot({ path: join(outputDir(), 'console.png'), fullPage: true });
  await a.setViewportSize({ width: 390, height: 844 });
  assert.equal(await a.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true, 'no sideways scrolling on a phone');
  await a.screenshot({ path: join(outputDir(), 'console-phone.png'), fullPage: true });
  await a.setViewportSize({ width: 1100, height: 900 });

  // A too-short reason is refused with a plain message; the reason field is ready for another try.
  const form = a.locator('#results li[data-sub="alice"]');
  await form.getByLabel(/^Reason/).fill('short');
  await form.getByRole('button', { name: 'Start acting as alice' }).click();
  await a.waitForURL(/[?&]error=reason-too-short/);
  assert.equal(await a.getByRole('alert').textContent(), 'Could not start acting as alice: Give a reason of at least 8 characters: what you are doing and why (a ticket number helps).');
  assert.equal(await a.evaluate('document.activeElement && document.activeElement.getAttribute("name")'), 'reason', 'the reason field has the focus');

  // By keyboard: type the reason, Enter starts; the browser returns to where the operator came from.
  await a.keyboard.type('Ticket 4711: alice sees an empty timetable');
  await a.keyboard.press('Enter');
  await a.waitForURL(`${stack.url}/html`);
  assert.equal(await a.locator('h1').textContent(), 'Hello alice');
  const banner = a.locator('actas-banner section');
  assert.match(await banner.textContent() ?? '', /Acting as Alice Example \(alice\)[\s\S]*Operator Ada Admin \(admin\)[\s\S]*read-only[\s\S]*Ticket 4711/);
  assert.match(await a.title(), /^\[as alice\] /);
  await a.screenshot({ path: join(outputDir(), 'banner-on-app.png') });

  // Back in the console from the banner: the active impersonation is shown with time left and Stop.
  await a.locator('actas-banner').getByRole('link', { name: 'actas console' }).click();
  await a.waitForURL(/\/\.actas\//);
  const mine = a.locator('#impersonation');
  assert.equal(await mine.getByRole('heading').textContent(), 'You are acting as Alice Example (alice)');
  assert.match(await mine.textContent() ?? '', /Ticket 4711: alice sees an empty timetable[\s\S]*read-only[\s\S]*in (15|14) min/);
  assert.equal(await mine.getByRole('button', { name: 'Stop acting as alice' }).count(), 1);
  await a.screenshot({ path: join(outputDir(), 'console-acting.png') });

  // The auditor, in another browser context, follows the impersonation to its requests and revokes it.
  const auditor = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const b = await auditor.newPage();
  b.on('console', onError);
  await b.goto(`${stack.url}/.actas/`);
  await signIn(b, 'carol', `${stack.url}/.actas/`);
  const row = b.locator('#active tbody tr', { hasText: 'Ticket 4711' });
  assert.match(await row.textContent() ?? '', /admin[\s\S]*alice/);
  await b.screenshot({ path: join(outputDir(), 'console-auditor.png'), fullPage: true });
  await row.getByRole('link', { name: 'Requests' }).click();
  await b.waitForURL(/[?&]impersonation=/);
  const events = b.locator('#events tbody');
  assert.match(await events.textContent() ?? '', /GET \/html/);
  assert.match(await events.textContent() ?? '', /impersonation\.start/);

  await b.locator('#active tbody tr', { hasText: 'Ticket 4711' }).getByRole('button', { name: /^Revoke/ }).click();
  await b.waitForURL(/[?&]revoked=/);
  assert.match(await b.getByRole('status').first().textContent() ?? '', /was revoked/);
  assert.equal(await b.locator('#active tbody tr').count(), 0);
  assert.match(await b.locator('#active').textContent() ?? '', /Nobody is acting as anyone right now\./);

  // The operator's next page is their own again, without the banner.
  await a.goto(`${stack.url}/html`);
  assert.equal(await a.locator('h1').textContent(), 'Hello admin');
  assert.equal(await a.locator('actas-banner').count(), 0);
  await a.goto(`${stack.url}/.actas/`);
  assert.equal(await a.locator('#impersonation').count(), 0);

  assert.deepEqual(violations, [], 'no console errors (CSP violations included)');
  await admin.close();
  await auditor.close();
});

test('without JavaScript the search is a plain form and the results come from the server', { skip }, async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${stack.url}/.actas/?rd=/html`);
  await signIn(page, 'bob', `${stack.url}/.actas/?rd=/html`);
  // bob (staff) may act as nobody: no search at all.
  assert.equal(await page.getByLabel('Find a user').count(), 0);
  await context.clearCookies();
  await page.goto(`${stack.url}/.actas/?rd=/html`);
  await signIn(page, 'admin', `${stack.url}/.actas/?rd=/html`);
  await page.getByLabel('Find a user').fill('ali');
  await page.getByLabel('Find a user').press('Enter');
  await page.waitForURL(/[?&]q=ali/);
  const alice = page.locator('#results li[data-sub="alice"]');
  assert.match(await alice.locator('.r-verdict').textContent() ?? '', /^Allowed: read-only/);
  assert.equal(await alice.locator('input[name="rd"]').getAttribute('value'), '/html');
  assert.equal(await alice.getByRole('button', { name: 'Start acting as alice' }).count(), 1);
  await context.close();
});
