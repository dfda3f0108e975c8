// The benchmark harness: `npm run bench` (= npm run build && node dist/bench/run.js).
//
//   node dist/bench/run.js [--configs A,B,...] [--systems a,b,...] [--no-peers] [--rounds N]
//        [--min-seconds S] [--warmup N] [--warmup-min-seconds S] [--warmup-max-seconds S] [--cap-seconds S]
//        [--kernels js|wasm|auto] [--threads N] [--no-setup] [--verbose] [--json]
//
// Runs every (system, workload) in its own child process (bench/system.ts), alternating systems
// round by round (this machine's neighbours steal 30-50% for seconds at a time), pools the timed
// steps of all rounds, and reports per workload and system: ms per step {median, min, max},
// sequences/s, effective GFLOP/s (shared/bench-spec.md), peak RSS, and recur's speedup over each
// peer. A readable table goes to stdout, progress to stderr; with --json the LAST stdout line is
// one JSON object with the same results.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getWorkload, isWorkloadId, stepFlops, describeShape, WORKLOAD_GROUPS, WORKLOAD_IDS, type WorkloadId } from './workloads.js';
import { DEFAULT_MEASURE, lastJsonLine, stats, type Stats } from './measure.js';
import { defaultSystems, isSystemName, systemHasCell, systemInfo, SYSTEM_NAMES, TORCH, type SystemName, type SystemResult } from './systems.js';
import { blasDescription, blasText, cpuDescription } from './machine.js';
import { openblasOpenmpDir, repoRoot } from './paths.js';
import { gTargets } from './g-targets.js';
import type { TorchBlas } from './peers/torch.js';

export interface BenchOptions {
  configs: WorkloadId[];
  systems: SystemName[];
  rounds: number;
  minSeconds: number;
  warmup: number;
  warmupMinSeconds: number;
  warmupMaxSeconds: number;
  minSteps: number;
  /** A (system, workload) that has spent this many seconds in warm-up and timed steps skips later rounds. */
  capSeconds: number;
  kernels: 'js' | 'wasm' | 'auto';
  threads: number;
  /** Unpack the OpenMP OpenBLAS for PyTorch when it is missing. */
  setup: boolean;
  verbose: boolean;
  json: boolean;
  /** Per child process, seconds. */
  childTimeoutSeconds: number;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  configs: [...WORKLOAD_IDS],
  systems: defaultSystems(),
  rounds: 2,
  minSeconds: DEFAULT_MEASURE.minSeconds,
  warmup: DEFAULT_MEASURE.warmup,
  warmupMinSeconds: DEFAULT_MEASURE.warmupMinSeconds,
  warmupMaxSeconds: DEFAULT_MEASURE.warmupMaxSeconds,
  minSteps: DEFAULT_MEASURE.minSteps,
  capSeconds: 15,
  kernels: 'auto',
  threads: availableParallelism(),
  setup: true,
  verbose: false,
  json: false,
  childTimeoutSeconds: 1800,
};

export interface SystemSummary {
  status: 'ok' | 'error' | 'unavailable' | 'not run';
  /** ms per step (per sequence when perSequence), over every timed step of every round. */
  msPerStep: Stats | null;
  steps: number;
  /** Rounds this system ran on this workload. */
  rounds: number;
  roundMedians: number[];
  seqPerSec: number | null;
  /** Effective GFLOP/s per shared/bench-spec.md (per-sequence FLOPs for brain.js). */
  gflops: number | null;
  peakRssMB: number | null;
  perSequence: boolean;
  /** recur's speedup over this system: recur seq/s ÷ this system's seq/s (peers only). */
  speedup?: number | null;
  notes: string;
  error?: string;
  /** Later rounds were skipped because the cap was reached. */
  capped?: boolean;
}

export interface WorkloadReport {
  workload: WorkloadId;
  shape: string;
  flopsPerStep: number;
  systems: Partial<Record<SystemName, SystemSummary>>;
  /** recur over each peer: peer median / recur median (per sequence for brain.js). */
  speedup: Partial<Record<SystemName, number | null>>;
  /** The recur system the speedups are relative to. */
  reference: SystemName | null;
}

export interface BenchReport {
  startedAt: string;
  seconds: number;
  machine: { cpu: string; cores: number; node: string; loadavgAtStart: number[]; loadavgAtEnd?: number[] };
  policy: string;
  options: Omit<BenchOptions, 'json' | 'verbose' | 'setup' | 'childTimeoutSeconds'>;
  versions: Record<string, string>;
  /** The BLAS of the first PyTorch system that reported one. */
  blas?: unknown;
  /** The BLAS PyTorch ran, in words (library, version, build, kernels and why those kernels); with systems that ran different kernels, each one's. */
  blasText?: string;
  /** Per PyTorch system, its BLAS in words. */
  blasBySystem?: Record<string, string>;
  results: WorkloadReport[];
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): BenchOptions | 'help' {
  const o: BenchOptions = { ...DEFAULT_OPTIONS, configs: [...DEFAULT_OPTIONS.configs], systems: [...DEFAULT_OPTIONS.systems] };
  let noPeers = false;
  let systemsGiven = false;
  const value = (flag: string, v: string | undefined): string => {
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} expects a value`);
    return v;
  };
  const num = (flag: string, v: string | undefined, min: number, integer: boolean): number => {
    const s = value(flag, v);
    const x = Number(s);
    if (!Number.isFinite(x) || x < min || (integer && !Number.isInteger(x))) {
      throw new UsageError(`${flag} expects ${integer ? 'an integer' : 'a number'} >= ${min}, got '${s}'`);
    }
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    switch (a) {
      case '--help': case '-h': return 'help';
      case '--json': o.json = true; break;
      case '--no-peers': noPeers = true; break;
      case '--no-setup': o.setup = false; break;
      case '--verbose': o.verbose = true; break;
      case '--configs': {
        const ids = value(a, v).split(',').map((s) => s.trim()).filter(Boolean)
          .flatMap((s) => WORKLOAD_GROUPS[s.toUpperCase()] ?? [/^[a-z]$/.test(s) ? s.toUpperCase() : s]);
        const bad = ids.filter((s) => !isWorkloadId(s));
        if (bad.length || ids.length === 0) throw new UsageError(`--configs expects a list of ${WORKLOAD_IDS.join(',')} (G: all four G-*), got '${v}'`);
        o.configs = [...new Set(ids)] as WorkloadId[];
        i++; break;
      }
      case '--systems': {
        const names = value(a, v).split(',').map((s) => s.trim()).filter(Boolean);
        const bad = names.filter((s) => !isSystemName(s));
        if (bad.length || names.length === 0) throw new UsageError(`--systems expects a list of ${SYSTEM_NAMES.join(',')}, got '${v}'`);
        o.systems = [...new Set(names)] as SystemName[];
        systemsGiven = true;
        i++; break;
      }
      case '--rounds': o.rounds = num(a, v, 1, true); i++; break;
      case '--min-seconds': o.minSeconds = num(a, v, 0, false); i++; break;
      case '--warmup': o.warmup = num(a, v, 0, true); i++; break;
      case '--warmup-min-seconds': o.warmupMinSeconds = num(a, v, 0, false); i++; break;
      case '--warmup-max-seconds': o.warmupMaxSeconds = num(a, v, 0, false); i++; break;
      case '--min-steps': o.minSteps = num(a, v, 1, true); i++; break;
      case '--cap-seconds': o.capSeconds = num(a, v, 0, false); i++; break;
      case '--threads': o.threads = num(a, v, 1, true); i++; break;
      case '--kernels': {
        const k = value(a, v);
        if (k !== 'js' && k !== 'wasm' && k !== 'auto') throw new UsageError(`--kernels expects js, wasm or auto, got '${k}'`);
        o.kernels = k; i++; break;
      }
      default: throw new UsageError(`unknown flag '${a}' (see --help)`);
    }
  }
  if (noPeers) {
    o.systems = o.systems.filter((s) => systemInfo(s).kind === 'recur');
    if (o.systems.length === 0) {
      if (systemsGiven) throw new UsageError('--no-peers leaves no system from --systems');
      o.systems = ['recur'];
    }
  }
  return o;
}

export const HELP = `usage: npm run bench -- [flags]      (or: node dist/bench/run.js [flags])

Runs the workloads of shared/bench-spec.md on recur and its peers, one child process per system.
  --configs A,B,...       workloads (default ${WORKLOAD_IDS.join(',')}; G: the four G-*)
  --systems a,b,...       systems (default ${DEFAULT_OPTIONS.systems.join(',')});
                          also: ${SYSTEM_NAMES.filter((s) => !DEFAULT_OPTIONS.systems.includes(s)).join(', ')}
  --no-peers              recur only
  --rounds N              rounds; systems alternate within each (default ${DEFAULT_OPTIONS.rounds})
  --min-seconds S         timed seconds per system, workload and round (default ${DEFAULT_OPTIONS.minSeconds}; at least ${DEFAULT_OPTIONS.minSteps} steps)
  --warmup N              warm-up steps, at least (default ${DEFAULT_OPTIONS.warmup}); also at least --warmup-min-seconds
                          (default ${DEFAULT_OPTIONS.warmupMinSeconds}), cut after --warmup-max-seconds (default ${DEFAULT_OPTIONS.warmupMaxSeconds}) once 1 step is done
  --cap-seconds S         skip later rounds of a system/workload once it has spent S s in warm-up and
                          timed steps (default ${DEFAULT_OPTIONS.capSeconds}, at least 3 x min-seconds; only slow peers reach it)
  --kernels js|wasm|auto  recur's kernels (default auto);  --threads N  recur's threads (default: cores)
  --no-setup              do not unpack the OpenMP OpenBLAS for PyTorch when it is missing
  --verbose               pass the systems' stderr through
  --json                  one JSON object with the results as the last line of stdout
`;

function log(msg: string): void {
  process.stderr.write(msg + '\n');
}

/** The cap never bites a system that only did what one round asks (min-seconds of timing). */
function effectiveCap(o: BenchOptions): number {
  return Math.max(o.capSeconds, 3 * o.minSeconds);
}

function policyText(o: BenchOptions): string {
  return `each round: warm-up >= ${o.warmup} steps and >= ${o.warmupMinSeconds} s (cut after ${o.warmupMaxSeconds} s once 1 is done), then steps until `
    + `>= ${o.minSeconds} s and >= ${o.minSteps} steps; ${o.rounds} round(s), systems alternating; cap for slow peers `
    + `(tfjs): a system/workload that has spent >= ${effectiveCap(o)} s in warm-up and timed steps is not run again in later rounds; `
    + 'median/min/max over all timed steps; brain.js figures per sequence.';
}


async function runChild(system: SystemName, workload: WorkloadId, o: BenchOptions): Promise<SystemResult> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'system.js');
  const args = [
    script, '--system', system, '--workload', workload, '--min-seconds', String(o.minSeconds),
    '--warmup', String(o.warmup), '--warmup-min-seconds', String(o.warmupMinSeconds), '--warmup-max-seconds', String(o.warmupMaxSeconds),
    '--min-steps', String(o.minSteps), '--kernels', o.kernels, '--threads', String(o.threads),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', o.verbose ? 'inherit' : 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { err = (err + d).slice(-8000); });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) {
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }, o.childTimeoutSeconds * 1000);
  const code = await new Promise<number | null>((res) => {
    child.on('error', () => res(null));
    child.on('close', (c) => res(c));
  });
  clearTimeout(timer);
  const r = lastJsonLine(out);
  if (r && typeof r['status'] === 'string') return r as unknown as SystemResult;
  const tail = err.trim().split('\n').slice(-3).join(' | ');
  return {
    system, workload, status: 'error', msPerStep: [], peakRssMB: 0, notes: '',
    seqPerStep: systemInfo(system).perSequence ? 1 : getWorkload(workload).batch,
    warmupSteps: 0, warmupMs: 0, versions: {},
    error: timedOut ? `timed out after ${o.childTimeoutSeconds} s` : `exited ${code} without a result${tail ? `: ${tail}` : ''}`,
  };
}

function ensureOpenBlas(o: BenchOptions): void {
  if (!o.systems.some((s) => TORCH[s])) return;
  if (openblasOpenmpDir()) return;
  if (!o.setup) {
    log('bench: no OpenMP OpenBLAS for PyTorch (bench/setup-openblas.sh); --no-setup given, torch uses the system BLAS');
    return;
  }
  const script = join(repoRoot(), 'bench', 'setup-openblas.sh');
  if (!existsSync(script)) return;
  log('bench: unpacking libopenblas0-openmp into bench/.cache for PyTorch (bench/setup-openblas.sh)...');
  const r = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) log('bench: could not unpack OpenBLAS; PyTorch runs with the system BLAS (see notes)');
}

function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (x >= 1000) return Math.round(x).toLocaleString('en-US');
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toPrecision(digits);
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const started = Date.now();
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    machine: { cpu: cpuDescription(), cores: availableParallelism(), node: process.version, loadavgAtStart: loadavg() },
    policy: policyText(o),
    options: {
      configs: o.configs, systems: o.systems, rounds: o.rounds, minSeconds: o.minSeconds, warmup: o.warmup,
      warmupMinSeconds: o.warmupMinSeconds, warmupMaxSeconds: o.warmupMaxSeconds, minSteps: o.minSteps, capSeconds: o.capSeconds, kernels: o.kernels, threads: o.threads,
    },
    versions: {},
    results: [],
  };
  ensureOpenBlas(o);

  type Acc = { results: SystemResult[]; skip: boolean; capped: boolean };
  const acc = new Map<string, Acc>();
  const key = (s: SystemName, w: WorkloadId): string => `${s}/${w}`;
  for (const w of o.configs) for (const s of o.systems) acc.set(key(s, w), { results: [], skip: false, capped: false });
  const unavailable = new Set<SystemName>();

  log(`bench: ${o.systems.join(', ')} on ${o.configs.join(', ')}; ${policyText(o)}`);
  for (let round = 0; round < o.rounds; round++) {
    for (const w of o.configs) {
      // Rotate the order every round so no system always runs right after the same neighbour.
      const order = o.systems.map((_, i) => o.systems[(i + round) % o.systems.length]!);
      for (const s of order) {
        const a = acc.get(key(s, w))!;
        if (a.skip || unavailable.has(s) || !systemHasCell(s, getWorkload(w).cell)) continue;
        const t = Date.now();
        const r = await runChild(s, w, o);
        a.results.push(r);
        const secs = ((Date.now() - t) / 1000).toFixed(1);
        const elapsed = ((Date.now() - started) / 1000).toFixed(0);
        if (r.status === 'ok') {
          const st = stats(r.msPerStep);
          log(`[round ${round + 1}/${o.rounds}] ${w} ${s}: median ${fmt(st.median)} ms${systemInfo(s).perSequence ? '/seq' : ''} `
            + `(${r.msPerStep.length} timed, ${r.warmupSteps} warm-up) peak RSS ${fmt(r.peakRssMB)} MB  [${secs} s, ${elapsed} s total]`);
          const spent = a.results.reduce((sum, x) => sum + x.warmupMs + x.msPerStep.reduce((p, q) => p + q, 0), 0) / 1000;
          const steps = a.results.reduce((sum, x) => sum + x.msPerStep.length, 0);
          if (spent >= effectiveCap(o) && steps >= o.minSteps && round + 1 < o.rounds) {
            a.skip = true;
            a.capped = true;
            log(`  ${s} on ${w}: ${spent.toFixed(0)} s of warm-up and timed steps already (cap ${effectiveCap(o)} s): not run in later rounds`);
          }
        } else {
          log(`[round ${round + 1}/${o.rounds}] ${w} ${s}: ${r.status}: ${r.error ?? ''}`);
          a.skip = true; // errors repeat: do not retry this workload
          if (r.status === 'unavailable') unavailable.add(s);
        }
      }
    }
  }

  for (const wid of o.configs) {
    const w = getWorkload(wid);
    const wr: WorkloadReport = { workload: wid, shape: describeShape(w), flopsPerStep: stepFlops(w), systems: {}, speedup: {}, reference: null };
    for (const s of o.systems) {
      const a = acc.get(key(s, wid))!;
      const ok = a.results.filter((r) => r.status === 'ok');
      const info = systemInfo(s);
      const notes = [...new Set(a.results.flatMap((r) => r.notes.split('; ').filter(Boolean)))].join('; ');
      for (const r of a.results) Object.assign(report.versions, r.versions);
      const withBlas = a.results.find((r) => r.blas);
      if (withBlas) {
        report.blas ??= withBlas.blas;
        (report.blasBySystem ??= {})[s] ??= blasDescription(withBlas.blas as TorchBlas, withBlas.notes.split('; '));
      }
      if (ok.length === 0 && !systemHasCell(s, w.cell)) {
        wr.systems[s] = {
          status: 'not run', msPerStep: null, steps: 0, rounds: 0, roundMedians: [], seqPerSec: null, gflops: null,
          peakRssMB: null, perSequence: info.perSequence, notes, error: `${s} has no ${w.cell} cell`,
        };
        continue;
      }
      if (ok.length === 0) {
        const last = a.results[a.results.length - 1];
        wr.systems[s] = {
          status: last ? last.status : unavailable.has(s) ? 'unavailable' : 'not run',
          msPerStep: null, steps: 0, rounds: a.results.length, roundMedians: [], seqPerSec: null, gflops: null,
          peakRssMB: null, perSequence: info.perSequence, notes,
          ...(last?.error ? { error: last.error } : unavailable.has(s) ? { error: 'unavailable (see other workloads)' } : {}),
        };
        continue;
      }
      const all = ok.flatMap((r) => r.msPerStep);
      const st = stats(all);
      const seqPerStep = ok[0]!.seqPerStep;
      wr.systems[s] = {
        status: 'ok',
        msPerStep: st,
        steps: all.length,
        rounds: ok.length,
        roundMedians: ok.map((r) => stats(r.msPerStep).median),
        seqPerSec: (seqPerStep * 1000) / st.median,
        gflops: stepFlops(w, seqPerStep) / (st.median / 1000) / 1e9,
        peakRssMB: Math.max(...ok.map((r) => r.peakRssMB)),
        perSequence: info.perSequence,
        notes,
        ...(a.capped ? { capped: true } : {}),
      };
    }
    const ref = (['recur', ...o.systems.filter((s) => systemInfo(s).kind === 'recur')] as SystemName[])
      .find((s) => o.systems.includes(s) && wr.systems[s]?.status === 'ok') ?? null;
    wr.reference = ref;
    for (const s of o.systems) {
      if (systemInfo(s).kind !== 'peer') continue;
      const peer = wr.systems[s]!;
      const recurSeq = ref ? wr.systems[ref]!.seqPerSec : null;
      const sp = recurSeq !== null && peer.seqPerSec !== null ? recurSeq / peer.seqPerSec : null;
      wr.speedup[s] = sp;
      peer.speedup = sp;
    }
    report.results.push(wr);
  }
  if (report.blasBySystem) report.blasText = blasText(report.blasBySystem);
  report.seconds = (Date.now() - started) / 1000;
  report.machine.loadavgAtEnd = loadavg();
  return report;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function formatTable(r: BenchReport): string {
  const out: string[] = [];
  out.push(`recur benchmark: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, ${r.startedAt}`);
  if (r.blasText) out.push(`PyTorch BLAS: ${r.blasText}`);
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(', ');
  out.push(`load average (1, 5, 15 min) at start: ${load(r.machine.loadavgAtStart)}${r.machine.loadavgAtEnd ? `; at end: ${load(r.machine.loadavgAtEnd)}` : ''}`
    + ' (2 cores: above 2, other processes shared them)');
  out.push(`policy: ${r.policy}`);
  out.push('');
  const cols = ['system', 'ms/step median', 'min', 'max', 'steps', 'seq/s', 'GFLOP/s', 'peak RSS MB', 'recur speedup'];
  const widths = [11, 15, 9, 9, 6, 9, 8, 12, 14];
  // Notes common to a system across all workloads are printed once at the end.
  const perSystemNotes = new Map<string, string[][]>();
  for (const wr of r.results) {
    for (const [s, sum] of Object.entries(wr.systems)) {
      if (!sum) continue;
      const list = perSystemNotes.get(s) ?? [];
      list.push(sum.notes.split('; ').filter(Boolean));
      perSystemNotes.set(s, list);
    }
  }
  const common = new Map<string, Set<string>>();
  for (const [s, lists] of perSystemNotes) {
    const first = lists[0] ?? [];
    common.set(s, new Set(first.filter((n) => lists.every((l) => l.includes(n)))));
  }

  for (const wr of r.results) {
    out.push(`${wr.workload}  ${wr.shape}  (${(wr.flopsPerStep / 1e9).toFixed(3)} effective GFLOP per step)`);
    out.push('  ' + cols.map((c, i) => pad(c, widths[i]!, i > 0)).join(' '));
    const extra: string[] = [];
    for (const [s, sum] of Object.entries(wr.systems)) {
      if (!sum) continue;
      const name = s + (sum.perSequence ? '*' : '');
      if (sum.status !== 'ok' || !sum.msPerStep) {
        out.push(`  ${pad(name, widths[0]!)} ${sum.status}${sum.error ? `: ${sum.error}` : ''}`);
        continue;
      }
      const spd = sum.speedup === undefined ? (wr.reference === s ? '(reference)' : '')
        : sum.speedup === null ? '-' : `${sum.speedup.toFixed(2)}x`;
      const cells = [
        name, fmt(sum.msPerStep.median), fmt(sum.msPerStep.min), fmt(sum.msPerStep.max), String(sum.steps),
        fmt(sum.seqPerSec), fmt(sum.gflops), fmt(sum.peakRssMB), spd,
      ];
      out.push('  ' + cells.map((c, i) => pad(c, widths[i]!, i > 0)).join(' '));
      const specific = sum.notes.split('; ').filter((n) => n && !common.get(s)?.has(n));
      if (sum.capped) specific.push(`capped: ran ${sum.rounds} of ${r.options.rounds} round(s)`);
      if (specific.length) extra.push(`    ${s}: ${specific.join('; ')}`);
    }
    out.push(...extra);
    out.push('');
  }
  out.push(...gTargets(r));
  out.push('* per sequence (brain.js has no batches): ms per sequence; speedup compares sequences per second.');
  out.push('speedup = peer median / recur median (recur seq/s over peer seq/s).');
  const sysNotes = [...common].filter(([, n]) => n.size > 0);
  if (sysNotes.length) {
    out.push('notes:');
    for (const [s, n] of sysNotes) out.push(`  ${s}: ${[...n].join('; ')}`);
  }
  const v = Object.entries(r.versions).map(([k, x]) => `${k} ${x}`).join(', ');
  if (v) out.push(`versions: ${v}`);
  out.push(`took ${r.seconds.toFixed(0)} s`);
  return out.join('\n');
}

async function main(): Promise<void> {
  let o: BenchOptions | 'help';
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bench: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (o === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const report = await runBench(o);
  process.stdout.write(formatTable(report) + '\n');
  if (o.json) process.stdout.write(JSON.stringify(report) + '\n');
}

function isMain(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  await main();
}
