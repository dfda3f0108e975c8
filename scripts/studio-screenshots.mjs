// Screenshots of recur studio for docs/: during and after two runs (LSTM with clipping against a
// tanh RNN without, adding problem T = 50). Needs `npm run build` and Debian's chromium.
//   node scripts/studio-screenshots.mjs  →  docs/studio-training.png, docs/studio-finished.png
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { StaticServer } from '../dist/src/node/static-server.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const server = await StaticServer.start({ mounts: { '/': join(root, 'dist', 'studio') }, port: 0 });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  await page.goto(server.url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  const set = async (f) => { for (const [k, v] of Object.entries(f)) { const el = page.locator(`[name="${k}"]`); if (await el.evaluate((e) => e.tagName === 'SELECT')) await el.selectOption(v); else await el.fill(v); } };
  await set({ task: 'adding', length: '50', cell: 'lstm', hidden: '64', steps: '1000', batch: '32', lr: '0.01', clip: 'norm', clipValue: '1' });
  await page.click('#train');
  await set({ cell: 'rnn', activation: 'tanh', clip: 'none' });
  await page.click('#train');
  await page.waitForFunction(() => /step (\d+)/.test(document.querySelector('.run .progress')?.textContent ?? '') && Number(/step (\d+)/.exec(document.querySelector('.run .progress').textContent)[1]) > 350, null, { timeout: 120000 });
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(root, 'docs', 'studio-training.png'), fullPage: true, clip: { x: 0, y: 0, width: 1400, height: 2000 } });
  await page.waitForFunction(() => Number(document.documentElement.dataset.finished) >= 2, null, { timeout: 300000 });
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(root, 'docs', 'studio-finished.png'), fullPage: true, clip: { x: 0, y: 0, width: 1400, height: 3200 } });
  console.log('docs/studio-training.png, docs/studio-finished.png');
} finally {
  await browser.close();
  await server.close();
}
