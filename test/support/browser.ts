// Debian's Chromium driven by playwright-core, launched the way this project
// runs it everywhere (never a downloaded browser).
import { chromium, type Browser } from 'playwright-core';
import { mkdirSync } from 'node:fs';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Where screenshots for the README are saved. */
export function outputDir(): string {
  mkdirSync('test-output', { recursive: true });
  return 'test-output';
}
