// One system on one workload, in its own process (so peak RSS is that system's alone).
//
//   node dist/bench/system.js --system NAME --workload ID [--min-seconds S] [--warmup N]
//        [--warmup-min-seconds S] [--warmup-max-seconds S] [--min-steps N] [--max-steps N] [--kernels js|wasm|auto]
//        [--threads N]
//
// Prints ONE JSON line on stdout (SystemResult in bench/systems.ts); everything else goes to
// stderr. A system that throws or cannot load is reported with status 'error' / 'unavailable'
// and exit code 0: only bad flags exit non-zero (2).

import { availableParallelism } from 'node:os';
import { isWorkloadId, getWorkload, WORKLOAD_IDS, type Workload } from './workloads.js';
import { DEFAULT_MEASURE, measure, type MeasureOptions } from './measure.js';
import { isSystemName, systemInfo, SYSTEM_NAMES, TORCH, type SystemName, type SystemResult } from './systems.js';
import type { Runner } from './peers/runner.js';

// Peers print banners with console.log; stdout is reserved for the result line.
const writeStdout = process.stdout.write.bind(process.stdout);
console.log = console.error;
console.info = console.error;

interface Args {
  system: SystemName;
  workload: Workload;
  measure: MeasureOptions;
  kernels: 'js' | 'wasm' | 'auto';
  threads: number;
}

function usage(msg: string): never {
  process.stderr.write(`system: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const m: MeasureOptions = { ...DEFAULT_MEASURE };
  let system: SystemName | undefined;
  let workload: Workload | undefined;
  let kernels: Args['kernels'] = 'auto';
  let threads = availableParallelism();
  const num = (flag: string, v: string | undefined, min: number, integer: boolean): number => {
    const x = Number(v);
    if (v === undefined || !Number.isFinite(x) || x < min || (integer && !Number.isInteger(x))) {
      usage(`${flag} expects ${integer ? 'an integer' : 'a number'} >= ${min}, got '${v ?? ''}'`);
    }
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    switch (a) {
      case '--system':
        if (!v || !isSystemName(v)) usage(`--system expects one of ${SYSTEM_NAMES.join(', ')}, got '${v ?? ''}'`);
        system = v; i++; break;
      case '--workload':
        if (!v || !isWorkloadId(v)) usage(`--workload expects one of ${WORKLOAD_IDS.join(', ')}, got '${v ?? ''}'`);
        workload = getWorkload(v); i++; break;
      case '--min-seconds': m.minSeconds = num(a, v, 0, false); i++; break;
      case '--warmup': m.warmup = num(a, v, 0, true); i++; break;
      case '--warmup-min-seconds': m.warmupMinSeconds = num(a, v, 0, false); i++; break;
      case '--warmup-max-seconds': m.warmupMaxSeconds = num(a, v, 0, false); i++; break;
      case '--min-steps': m.minSteps = num(a, v, 1, true); i++; break;
      case '--max-steps': m.maxSteps = num(a, v, 1, true); i++; break;
      case '--threads': threads = num(a, v, 1, true); i++; break;
      case '--kernels':
        if (v !== 'js' && v !== 'wasm' && v !== 'auto') usage(`--kernels expects js, wasm or auto, got '${v ?? ''}'`);
        kernels = v; i++; break;
      case '--help':
        process.stderr.write('usage: node dist/bench/system.js --system NAME --workload ID [--min-seconds S] [--warmup N] '
          + '[--warmup-min-seconds S] [--warmup-max-seconds S] [--min-steps N] [--max-steps N] [--kernels js|wasm|auto] [--threads N]\n');
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: usage(`unknown flag '${a}'`);
    }
  }
  if (!system) usage('--system is required');
  if (!workload) usage('--workload is required');
  if (m.maxSteps < m.minSteps) usage('--max-steps must be >= --min-steps');
  return { system, workload, measure: m, kernels, threads };
}

async function recurRunner(w: Workload, kernels: Args['kernels'], threads: number): Promise<Runner> {
  const { recurStep } = await import('./recur-adapter.js');
  const r = await recurStep(w, { kernels, threads });
  const notes = [`kernels ${kernels}, ${threads} thread(s)`];
  if (r.notes) notes.push(r.notes);
  return {
    step: r.step,
    close: () => r.close(),
    seqPerStep: w.batch,
    notes,
    versions: r.version ? { recur: r.version } : {},
  };
}

async function inProcessRunner(a: Args): Promise<Runner> {
  switch (a.system) {
    case 'recur': return recurRunner(a.workload, a.kernels, a.threads);
    case 'recur-1t': return recurRunner(a.workload, a.kernels, 1);
    case 'recur-js': return recurRunner(a.workload, 'js', 1);
    case 'tfjs-cpu': return (await import('./peers/tfjs.js')).tfjsRunner(a.workload, 'cpu');
    case 'tfjs-wasm': return (await import('./peers/tfjs.js')).tfjsRunner(a.workload, 'wasm');
    case 'brainjs': return (await import('./peers/brainjs.js')).brainRunner(a.workload);
    default: throw new Error(`${a.system} does not run in process`);
  }
}

function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isMissingModule(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function run(a: Args): Promise<SystemResult> {
  const base = {
    system: a.system,
    workload: a.workload.id,
    msPerStep: [] as number[],
    peakRssMB: 0,
    notes: '',
    seqPerStep: systemInfo(a.system).perSequence ? 1 : a.workload.batch,
    warmupSteps: 0,
    warmupMs: 0,
    versions: {} as Record<string, string>,
  };
  const torch = TORCH[a.system];
  if (torch) {
    const { runTorch } = await import('./peers/torch.js');
    const r = await runTorch(a.workload, torch.threads, a.measure, torch.autoCore);
    return {
      ...base,
      status: r.status,
      msPerStep: r.msPerStep,
      peakRssMB: r.peakRssMB,
      notes: r.notes.join('; '),
      warmupSteps: r.warmupSteps,
      warmupMs: r.warmupMs,
      versions: r.versions,
      ...(r.error ? { error: r.error } : {}),
      ...(r.blas ? { blas: r.blas } : {}),
    };
  }

  let runner: Runner;
  try {
    runner = await inProcessRunner(a);
  } catch (e) {
    const unavailable = isMissingModule(e);
    return {
      ...base,
      status: unavailable ? 'unavailable' : 'error',
      peakRssMB: peakRssMB(),
      error: unavailable ? `not installed: ${errorText(e)}` : errorText(e),
    };
  }
  const seqPerStep = runner.seqPerStep;
  try {
    const m = await measure(runner.step, a.measure);
    const notes = [...runner.notes, ...m.remarks];
    try { await runner.close(); } catch (e) { notes.push(`close failed: ${errorText(e)}`); }
    return {
      ...base,
      status: 'ok',
      msPerStep: m.msPerStep,
      peakRssMB: peakRssMB(),
      notes: notes.join('; '),
      seqPerStep,
      warmupSteps: m.warmupSteps,
      warmupMs: m.warmupMs,
      versions: runner.versions,
    };
  } catch (e) {
    return {
      ...base,
      status: 'error',
      peakRssMB: peakRssMB(),
      notes: runner.notes.join('; '),
      seqPerStep,
      versions: runner.versions,
      error: `step failed: ${errorText(e)}`,
    };
  }
}

const args = parseArgs(process.argv.slice(2));
const result = await run(args).catch((e: unknown): SystemResult => ({
  system: args.system,
  workload: args.workload.id,
  status: 'error',
  msPerStep: [],
  peakRssMB: peakRssMB(),
  notes: '',
  seqPerStep: systemInfo(args.system).perSequence ? 1 : args.workload.batch,
  warmupSteps: 0,
  warmupMs: 0,
  versions: {},
  error: errorText(e),
}));
// Exit explicitly: a peer may leave timers or workers that would keep the process alive.
writeStdout(JSON.stringify(result) + '\n', () => process.exit(0));
