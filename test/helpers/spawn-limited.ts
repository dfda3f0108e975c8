// Runs the recur CLI in a child process under limits, for the tests of hostile input: a kill
// timeout, a memory limit (resident memory read from /proc every 20 ms, the child killed past
// it: typed arrays and wasm memory live outside V8's heap, so --max-old-space-size cannot bound
// them), and the child's own peak resident memory at exit (rss-on-exit.ts).

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PRELOAD = pathToFileURL(fileURLToPath(new URL('./rss-on-exit.js', import.meta.url))).href;

export interface Limited {
  code: number | null;
  out: string;
  err: string;
  /** Peak resident memory in MB as the child saw it at exit; 0 when it did not exit by itself. */
  peakMB: number;
  /** Why the child was killed ('' when it was not). */
  killed: string;
  ms: number;
}

export function recurLimited(args: string[], o: { cwd?: string; timeoutMs?: number; rssLimitMB?: number; env?: Record<string, string> } = {}): Promise<Limited> {
  const rssFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'recur-rss-')), 'rss');
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, MAIN, ...args], {
      cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1', ...o.env, RECUR_TEST_RSS_FILE: rssFile },
    });
    let out = '', err = '', killed = '';
    child.stdout.on('data', (d) => { if (out.length < 1e6) out += d; });
    child.stderr.on('data', (d) => { if (err.length < 1e6) err += d; });
    const timeoutMs = o.timeoutMs ?? 30000;
    const stop = limit(child, timeoutMs, o.rssLimitMB ?? 400, (why) => { killed = why; });
    child.on('close', (code) => {
      stop();
      let peakMB = 0;
      try { peakMB = Math.round(Number(fs.readFileSync(rssFile, 'utf8')) / 1024); } catch { /* killed before exit */ }
      fs.rmSync(path.dirname(rssFile), { recursive: true, force: true });
      resolve({ code, out, err, peakMB, killed, ms: performance.now() - start });
    });
  });
}

/**
 * Kills `child` after `timeoutMs`, or once its resident memory passes `rssLimitMB` (read from /proc
 * every 20 ms), telling `onKill` why. Returns the function that stops watching.
 */
export function limit(child: ChildProcess, timeoutMs: number, rssLimitMB: number, onKill: (why: string) => void): () => void {
  const timer = setTimeout(() => { onKill(`killed after ${timeoutMs} ms`); child.kill('SIGKILL'); }, timeoutMs);
  const watch = setInterval(() => {
    let status = '';
    try { status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'); } catch { return; }
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    if (kb > rssLimitMB * 1024) { onKill(`killed at ${Math.round(kb / 1024)} MB resident`); child.kill('SIGKILL'); }
  }, 20);
  return () => { clearTimeout(timer); clearInterval(watch); };
}

/** Runs jobs `concurrency` at a time, results in order. */
export async function pooled<T, R>(items: readonly T[], concurrency: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) { const i = next++; results[i] = await run(items[i]); }
  }));
  return results;
}
