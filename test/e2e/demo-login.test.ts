// The demo as a person uses it: open actas, land on the IdP's login page,
// sign in as alice, and see the legacy app greet her with a verified identity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { RunningDemo } from '../../src/demo/run.ts';
import { startDemoWithBrowser } from '../support/demo.ts';
import { outputDir } from '../support/browser.ts';

let demo: RunningDemo;
let browser: Browser;
let close: () => Promise<void> = async () => undefined;
before(async () => ({ demo, browser, close } = await startDemoWithBrowser()));
after(() => close());

test('a browser logs in at the IdP as alice and the app greets alice, verified', async () => {
  const page = await browser.newPage();
  await page.goto(`${demo.url}/`);
  assert.ok(page.url().startsWith(demo.idp.issuer), `landed on the IdP: ${page.url()}`);
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.getByRole('alert').textContent() ?? '', /wrong password/);
  await page.getByLabel('Password').fill('alice-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${demo.url}/`);
  assert.equal(await page.locator('#greeting').textContent(), 'Hello, alice!');
  assert.equal(await page.locator('#verified').textContent(), 'verified');
  assert.equal(await page.locator('[data-header="x-forwarded-groups"]').textContent(), 'staff');
  await page.screenshot({ path: join(outputDir(), 'demo-app.png') });
  await page.close();
});
