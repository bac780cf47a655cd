// The demo as `npm start` runs it, on free ports with a temp audit dir, and a
// Chromium to look at it, for the end-to-end tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startDemo, type RunningDemo } from '../../src/demo/run.ts';
import { launchBrowser } from './browser.ts';

export async function startDemoWithBrowser(): Promise<{ demo: RunningDemo; browser: Browser; close(): Promise<void> }> {
  const demo = await startDemo({ ports: { proxy: 0, idp: 0, app: 0 }, logLevel: 'silent', auditDir: mkdtempSync(join(tmpdir(), 'actas-e2e-')) });
  const browser = await launchBrowser();
  return { demo, browser, close: async () => { await browser.close(); await demo.close(); } };
}
