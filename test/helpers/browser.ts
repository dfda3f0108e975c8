// Chromium for the browser tests and bench: Debian's /usr/bin/chromium through playwright-core
// (no browser download), headless, no network beyond what the page asks of localhost, a fresh
// profile each launch. Pages record console errors, page errors and every request they make.

import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `chromium not found at ${CHROMIUM}: install Debian's chromium to run the browser tests`;
}

export async function launch(): Promise<{ browser: Browser; close(): Promise<void> }> {
  // playwright-core gives every launch a fresh temporary profile (it refuses --user-data-dir)
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
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
