// Headless Debian Chromium driven by playwright-core (no browser download: the system's /usr/bin/chromium).
// Playwright gives every launch a fresh, empty profile (its own --user-data-dir). The network flags keep
// Chromium from calling home: on a closed network those calls fail noisily.
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Console errors and uncaught page errors, collected for the "no console errors" check. */
export function collectErrors(page: Page, into: string[], options: { refusedKeyExpected?: boolean } = {}): void {
  page.on('console', (m) => {
    // A refused key is answered 401 (UNAUTHENTICATED), which Chromium also logs: a page that sends one
    // on purpose says so, and its test checks the message the page shows instead.
    if (m.type() === 'error' && !(options.refusedKeyExpected && /status of 401 \(Unauthorized\)/.test(m.text())))
      into.push(`${page.url()}: console: ${m.text()}`);
  });
  page.on('pageerror', (e) => into.push(`${page.url()}: pageerror: ${e.message}`));
  // ERR_ABORTED is the client cancelling a request whose view was left, not a failure.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') into.push(`${page.url()}: request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
}
