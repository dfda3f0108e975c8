// Runs the model-file fuzz (model-fuzz.ts) through child processes (fuzz-child.ts), several files
// per child (starting node costs more than judging a file), a few children at a time. Each child
// runs under a memory limit (V8's heap capped with --max-old-space-size; its resident memory read
// from /proc every 20 ms and the child killed past the limit: typed arrays live outside V8's heap)
// and a time limit: each file's CPU time at most perFileMs (CPU, not wall time, so that a busy
// machine does not turn a legitimate forward pass into a finding), and the child killed once its
// wall time passes files × perFileMs + 10 s (a hang). Used by test/model-file-fuzz.test.ts
// (a few hundred files) and scripts/fuzz-model-files.mjs (`npm run fuzz`, 10,000 and more).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/tensor/rng.js';
import { baseFiles, mutate } from './model-fuzz.js';
import { limit, pooled } from './spawn-limited.js';

const CHILD = fileURLToPath(new URL('./fuzz-child.js', import.meta.url));

export interface FuzzOptions { files: number; seed: number; perChild?: number; concurrency?: number; perFileMs?: number; rssLimitMB?: number }

export interface FuzzSummary {
  files: number;
  outcomes: Record<string, number>;
  /** Files that neither ran nor were refused with a RecurError, children killed, files too slow. */
  findings: string[];
  maxFileMs: number;
  /** What the slowest file was. */
  slowest: string;
  /** Largest peak resident memory of a child, in MB. */
  maxRssMB: number;
  seconds: number;
}

interface Job { files: string[]; what: Map<string, string> }

export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const started = performance.now();
  const perChild = o.perChild ?? 100, concurrency = o.concurrency ?? 2, perFileMs = o.perFileMs ?? 2000, rssLimitMB = o.rssLimitMB ?? 300;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-fuzz-'));
  const rng = new Rng(o.seed);
  const bases = baseFiles();
  const jobs: Job[] = [];
  for (let i = 0; i < o.files; i++) {
    if (i % perChild === 0) jobs.push({ files: [], what: new Map() });
    const [name, bytes] = bases[rng.int(bases.length)];
    let [what, out] = mutate(bytes, rng);
    if (rng.uniform() < 0.2) { const [w2, o2] = mutate(out.length >= 8 ? out : bytes, rng); what += `; ${w2}`; out = o2; }
    const file = path.join(dir, `f${i}.safetensors`);
    fs.writeFileSync(file, out);
    jobs.at(-1)!.files.push(file);
    jobs.at(-1)!.what.set(file, `${name}: ${what}`);
  }
  const summary: FuzzSummary = { files: o.files, outcomes: {}, findings: [], maxFileMs: 0, slowest: '', maxRssMB: 0, seconds: 0 };
  await pooled(jobs, concurrency, (job) => runChild(job, summary, perFileMs, rssLimitMB));
  fs.rmSync(dir, { recursive: true, force: true });
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

function runChild(job: Job, s: FuzzSummary, perFileMs: number, rssLimitMB: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=192', CHILD, ...job.files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', killed = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { if (err.length < 10000) err += d; });
    const stop = limit(child, job.files.length * perFileMs + 10000, rssLimitMB, (why) => { killed = why; });
    child.on('close', (code) => {
      stop();
      const seen = new Set<string>();
      for (const line of out.split('\n')) {
        if (!line.trim()) continue;
        const r = JSON.parse(line) as { file?: string; ms?: number; outcome?: string; message?: string; maxRssKB?: number };
        if (r.maxRssKB !== undefined) { s.maxRssMB = Math.max(s.maxRssMB, Math.round(r.maxRssKB / 1024)); continue; }
        seen.add(r.file!);
        s.outcomes[r.outcome!] = (s.outcomes[r.outcome!] ?? 0) + 1;
        const what = job.what.get(r.file!) ?? r.file!;
        if (r.ms! > s.maxFileMs) { s.maxFileMs = r.ms!; s.slowest = what; }
        if (r.outcome === 'error') s.findings.push(`${what}: ${r.message}`);
        if (r.ms! > perFileMs) s.findings.push(`${what}: took ${r.ms} ms`);
      }
      if (killed || code !== 0) {
        const first = job.files.find((f) => !seen.has(f));
        s.findings.push(`child ${killed || `exit ${code}`} at ${first ? job.what.get(first) : 'the end'}${err ? `: ${err.trim().split('\n')[0]}` : ''}`);
      }
      resolve();
    });
  });
}
