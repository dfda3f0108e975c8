// Chromium for the browser tests and bench: Debian's /usr/bin/chromium through playwright-core
// (no browser download), headless, no network beyond what the page asks of localhost, a fresh
// profile each launch. Pages record console errors, page errors and every request they make.

import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Chromium features turned off for every launch. Chromium reads only the last --disable-features
 * switch (checked: with ours before another, the omnibox renderer below came back), and
 * playwright's launcher passes its own before ours, so the list repeats playwright-core 1.65's
 * (a quiet, stable test browser: no requests to Google at start, HTTP kept HTTP, no paint
 * holding, …) after the two this project adds.
 */
const DISABLED_FEATURES = ['PreloadTopChromeWebUI', 'WebUIOmniboxPopup',
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades', 'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay', 'MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect',
  'OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch'];

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `chromium not found at ${CHROMIUM}: install Debian's chromium to run the browser tests`;
}

export async function launch(): Promise<{ browser: Browser; close(): Promise<void> }> {
  // playwright-core gives every launch a fresh temporary profile (it refuses --user-data-dir)
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
      // Every page playwright opens is a new browser window, and for each window this chromium
      // loads its omnibox popup (a chrome:// WebUI page in a renderer of its own) ahead of use: a
      // trace of one bench load showed that renderer busy for the first second, beside the page
      // being measured, on a 2-core machine. A user's browser has done that long before it loads
      // a page; the bench's "load → first step" should not count it.
      `--disable-features=${DISABLED_FEATURES.join(',')}`],
  });
  return { browser, close: () => browser.close() };
}

export interface Watched { page: Page; errors: string[]; requests: string[] }

export async function watchedPage(browser: Browser): Promise<Watched> {
  const page = await browser.newPage();
  const errors: string[] = [], requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  page.on('worker', (w) => { requests.push(w.url()); });
  return { page, errors, requests };
}
