// Training off the page's main thread: startTraining starts a module Web Worker (train-worker.ts)
// with a run's spec and returns a handle: events (ready, progress, eval, vitals, gradflow, paused,
// resumed, error, done), pause/resume/stop, and once done the trained model as safetensors bytes
// (the file `recur sample` / `recur forecast` read), text samples or a forecast from it.
//
//   const run = startTraining({ task: { kind: 'adding', length: 50 }, model: { cell: 'lstm', hiddenSize: 64 },
//     train: { steps: 2000, batchSize: 32, seed: 1, optimizer: { kind: 'adam', lr: 1e-2 }, clip: { kind: 'norm', maxNorm: 1 } } });
//   run.on('progress', (e) => draw(e.steps));
//   const { model } = await run.done;

import { RecurError } from '../errors.js';
import type { RunResult, TrainingSpec, WorkerCommand, WorkerEvent } from './protocol.js';
import { compileWebKernels, type CompiledKernels } from './compile.js';
import { packSequences } from './pack.js';
import { newThreadWorker, threadCount, validThreads } from './threads.js';

type EventOf<K extends WorkerEvent['type']> = Extract<WorkerEvent, { type: K }>;

export interface TrainingOptions {
  /** The worker module (train-worker.js); default beside this module. */
  workerUrl?: string | URL;
  /** The kernel threads' module (wasm-thread.js); default beside this module. */
  threadUrl?: string | URL;
}

export interface TrainingRun {
  on<K extends WorkerEvent['type']>(type: K, listener: (e: EventOf<K>) => void): () => void;
  pause(): void;
  resume(): void;
  /** Ends training after the current step; `done` then resolves with the model as it is. */
  stop(): void;
  /** Resolves when training ends (finished or stopped); rejects with the error event's message. */
  readonly done: Promise<{ result: RunResult; model: Uint8Array; firstStepMs: number }>;
  /** Text samples from a finished text model (one item a line unless a prefix is given). */
  generate(o?: { prefix?: string; count?: number; length?: number; temperature?: number; seed?: number }): Promise<string[]>;
  /** The next `steps` values of a finished CSV model, in the column's units, after its recent values. */
  forecast(steps: number): Promise<{ recent: number[]; forecast: number[] }>;
  /** Ends the worker (and its kernel threads) at once. */
  terminate(): void;
}

/** The page's compiled kernels, by the builds' URLs: compiled once, posted to every run's worker. */
const compiled = new Map<string, Promise<CompiledKernels>>();

function compileOnPage(w: TrainingSpec['wasmUrl']): Promise<CompiledKernels> {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const urls = w ? { simd: new URL(w.simd, base), relaxed: w.relaxed === undefined ? undefined : new URL(w.relaxed, base) } : undefined;
  const key = urls ? `${urls.simd.href} ${urls.relaxed?.href ?? ''}` : '';
  let p = compiled.get(key);
  if (!p) {
    p = compileWebKernels(urls);
    compiled.set(key, p);
    p.catch(() => compiled.delete(key)); // a failure is not kept: the worker loads (and reports) it itself
  }
  return p;
}

function newWorker(workerUrl: string | URL | undefined): Worker {
  // written out in the form bundlers (Vite, webpack) recognise, so that they bundle the worker too
  return workerUrl !== undefined ? new Worker(workerUrl, { type: 'module', name: 'recur-training' })
    : new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module', name: 'recur-training' });
}

export interface PreloadOptions extends TrainingOptions {
  /** The kernel threads the run will ask for (its spec's `threads`); default 'auto'. */
  threads?: number | 'auto';
  /** The kernels the run will ask for (its spec's `kernels`); default 'auto'. */
  kernels?: 'auto' | 'wasm' | 'js';
  /** Where the wasm builds are (its spec's `wasmUrl`); default beside the worker module. */
  wasmUrl?: TrainingSpec['wasmUrl'];
  /** Warm the kernels by training tiny models while the worker waits (default true). */
  warmUp?: boolean;
}

/**
 * The run's kernel threads (threads − 1 of them, where threads can run), started here with the
 * worker: this thread is free while the worker builds the run, where a thread the worker started
 * itself would wait for turns of that busy thread (measured: up after the first step, not before
 * it). Each gets one end of a channel, and the worker's kernels post its data through the other
 * (kernels.ts's webWorkerStarter).
 */
function startThreads(spec: TrainingSpec, threadUrl: string | URL | undefined): { workers: Worker[]; ports: MessagePort[] } {
  const none = { workers: [], ports: [] };
  const asked = spec.threads ?? 'auto';
  // a bad count starts nothing here: the worker refuses it with the message loadWebKernels gives
  if (spec.kernels === 'js' || typeof MessageChannel !== 'function' || !validThreads(asked)) return none;
  const n = threadCount(asked, (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true) - 1;
  const workers: Worker[] = [], ports: MessagePort[] = [];
  for (let i = 0; i < n; i++) {
    const w = newThreadWorker(threadUrl);
    const ch = new MessageChannel();
    w.postMessage({ recurWasmPort: ch.port2 }, [ch.port2]);
    workers.push(w);
    ports.push(ch.port1);
  }
  return { workers, ports };
}

/** The worker preloadTraining started, for the next startTraining with the same worker and wasm URLs. */
let spare: { worker: Worker; key: string } | null = null;

const preloadKey = (workerUrl: string | URL | undefined, wasmUrl: TrainingSpec['wasmUrl']): string =>
  JSON.stringify([workerUrl === undefined ? null : String(workerUrl), wasmUrl?.simd ?? null, wasmUrl?.relaxed ?? null]);

/**
 * Starts a training worker ahead of the run, while the page still prepares its data: the worker's
 * module loads, the wasm compiles on the page and is posted to it, and the worker loads its kernels
 * (threads and all) and warms them (warmup.ts). The next startTraining with the same worker and
 * wasm URLs takes this worker; its first step then comes sooner (RunInfo.preloaded says it did).
 * A run asking for other threads or kernels still takes the worker and loads its own kernels. One
 * worker is kept: calling again with the same URLs does nothing. Where Web Workers do not exist it
 * does nothing.
 */
export function preloadTraining(opts: PreloadOptions = {}): void {
  if (typeof Worker !== 'function') return;
  const key = preloadKey(opts.workerUrl, opts.wasmUrl);
  if (spare?.key === key) return;
  spare?.worker.terminate();
  const worker = newWorker(opts.workerUrl);
  const precompile = opts.kernels !== 'js' && typeof WebAssembly === 'object';
  worker.postMessage({ type: 'warm', kernels: opts.kernels, threads: opts.threads, wasmUrl: opts.wasmUrl, wasmPosted: precompile, warmUp: opts.warmUp } satisfies WorkerCommand);
  if (precompile) postCompiled(worker, opts.wasmUrl);
  spare = { worker, key };
}

/** Compiles the wasm on the page (once per URL pair) and posts the module to the worker. */
function postCompiled(worker: Worker, wasmUrl: TrainingSpec['wasmUrl']): void {
  let compiling: Promise<CompiledKernels>;
  try { compiling = compileOnPage(wasmUrl); } catch (e) { compiling = Promise.reject(e); } // a bad URL: the worker tries it and reports
  compiling.then(
    (c) => worker.postMessage({ type: 'wasm', module: c.module, relaxed: c.relaxed } satisfies WorkerCommand),
    () => worker.postMessage({ type: 'wasm', module: null, relaxed: false } satisfies WorkerCommand),
  );
}

export function startTraining(spec: TrainingSpec, opts: TrainingOptions = {}): TrainingRun {
  if (typeof spec !== 'object' || spec === null) throw new RecurError(`startTraining: expected a spec { task, model, train }, received ${String(spec)}`);
  const key = preloadKey(opts.workerUrl, spec.wasmUrl);
  const adopted = spare?.key === key ? spare.worker : null;
  if (adopted) spare = null;
  const worker = adopted ?? newWorker(opts.workerUrl);
  const listeners = new Map<string, Set<(e: WorkerEvent) => void>>();
  const requests = new Map<number, { resolve: (e: WorkerEvent) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let settle: { resolve: (v: { result: RunResult; model: Uint8Array; firstStepMs: number }) => void; reject: (e: Error) => void };
  const done = new Promise<{ result: RunResult; model: Uint8Array; firstStepMs: number }>((resolve, reject) => { settle = { resolve, reject }; });
  done.catch(() => {}); // a run nobody awaits must not raise an unhandled rejection; listeners get the error event
  let ended = false;

  const dispatch = (e: WorkerEvent): void => {
    if ((e.type === 'generated' || e.type === 'forecasted' || e.type === 'error') && e.id !== undefined) {
      const r = requests.get(e.id);
      requests.delete(e.id);
      if (r) { if (e.type === 'error') r.reject(new RecurError(e.message)); else r.resolve(e); }
      if (e.type !== 'error') return;
    }
    if (e.type === 'done') { ended = true; settle.resolve({ result: e.result, model: e.model, firstStepMs: e.firstStepMs }); }
    if (e.type === 'error' && e.id === undefined && !ended) { ended = true; settle.reject(new RecurError(e.message)); }
    for (const f of listeners.get(e.type) ?? []) f(e);
  };
  worker.onmessage = (m: MessageEvent<WorkerEvent>) => dispatch(m.data);
  worker.onerror = (e) => {
    e.preventDefault();
    dispatch({ type: 'error', message: `the training worker failed to run (${e.message || 'its module did not load'})` });
  };
  const send = (c: WorkerCommand, transfer: Transferable[] = []): void => worker.postMessage(c, transfer);
  const ask = <T extends WorkerEvent>(c: WorkerCommand & { id: number }): Promise<T> =>
    new Promise<WorkerEvent>((resolve, reject) => { requests.set(c.id, { resolve, reject }); send(c); }) as Promise<T>;
  // the wasm downloads and compiles here while the worker's module loads; the worker awaits it only
  // when it needs the kernels, and loads them itself when it does not come (a failure here)
  // (a preloaded worker has it already, or knows it is coming)
  const precompile = !adopted && spec.kernels !== 'js' && typeof WebAssembly === 'object';
  // the kernel threads start and the wasm download begins before the data is packed below (a
  // preloaded worker has its threads and module already); the module is posted when compiled,
  // which is after 'start' (the worker takes it either way)
  const threads = adopted ? { workers: [], ports: [] } : startThreads(spec, opts.threadUrl);
  if (precompile) postCompiled(worker, spec.wasmUrl);
  const t = spec.task as { kind?: unknown; x?: unknown } | null;
  const packedX = t && (t.kind === 'classify' || t.kind === 'regress') ? packSequences(t.x) : null;
  const transfer: Transferable[] = [...threads.ports];
  if (packedX) transfer.push(packedX.values.buffer, packedX.lengths.buffer);
  try {
    send({ type: 'start', spec: packedX ? { ...spec, task: { ...spec.task, x: [] } as TrainingSpec['task'] } : spec, wasmPosted: precompile,
      ...(packedX ? { packedX } : {}), ...(threads.ports.length ? { threadPorts: threads.ports } : {}) }, transfer);
  } catch (e) {
    // a spec the structured clone refuses (a function, a class instance with private state, …):
    // nothing was sent, and the workers started for it end here
    worker.terminate();
    for (const w of threads.workers) w.terminate();
    throw new RecurError(`startTraining: expected a spec of plain data (objects, arrays, strings, numbers, typed arrays) that can be posted to the worker; posting it failed: ${e instanceof Error ? e.message : String(e)}`);
  }

  return {
    on(type, listener) {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      set.add(listener as (e: WorkerEvent) => void);
      return () => set!.delete(listener as (e: WorkerEvent) => void);
    },
    pause: () => send({ type: 'pause' }),
    resume: () => send({ type: 'resume' }),
    stop: () => send({ type: 'stop' }),
    done,
    generate: async (o = {}) => (await ask<EventOf<'generated'>>({ type: 'generate', id: nextId++, ...o })).samples,
    forecast: async (steps) => {
      const e = await ask<EventOf<'forecasted'>>({ type: 'forecast', id: nextId++, steps });
      return { recent: e.recent, forecast: e.forecast };
    },
    terminate: () => {
      worker.terminate();
      for (const w of threads.workers) w.terminate();
      if (!ended) { ended = true; settle.reject(new RecurError('training: the worker was terminated before the run ended')); }
    },
  };
}
