// One training run inside a worker: builds the task (from the spec's data in memory), the kernels
// (kernels.ts) and the model, runs the core's Trainer step by step, and reports what it does as
// events (protocol.ts): progress every `reportMs`, each evaluation, vital signs, the gradient flow
// over time at initialization and at the end, and at the end the model as safetensors bytes (the
// file the CLI reads: vocabulary, normalisation and task in its metadata). Between slices of steps
// it hands the worker's event loop a turn, so pause, resume and stop arrive while it trains.
// Every failure becomes an `error` event with the message; nothing stops silently.

import { RecurError } from '../errors.js';
import { describeKernels } from '../kernels/index.js';
import type { Kernels } from '../kernels/types.js';
import type { ModelConfig } from '../model/config.js';
import { modelToBytes } from '../model/io.js';
import { rollForecast, sampleTokens } from '../model/sample.js';
import { Sequential } from '../model/sequential.js';
import { seriesColumns, usedColumns } from '../api/series-data.js';
import { SeriesTask } from '../tasks/arrays.js';
import { createTask, CsvTask, TextTask, type TaskConfig } from '../tasks/index.js';
import { classesOf, SequenceTask, toSequences, toTargets } from '../tasks/sequences.js';
import { probeBatch, type Task } from '../tasks/task.js';
import { Rng } from '../tensor/rng.js';
import { float64Copy, measureGradFlow } from '../diagnostics/measure.js';
import { VitalsRecorder, mergeCallbacks } from '../diagnostics/vitals.js';
import { summarizeVitals } from '../diagnostics/vitals-summary.js';
import { Trainer, type StepInfo } from '../train/trainer.js';
import type { CompiledKernels } from './compile.js';
import { loadWebKernels, webKernelsText } from './kernels.js';
import { warmKernels } from './warmup.js';
import { WasmKernels } from '../kernels/wasm.js';
import type { RunResult, TrainingSpec, WorkerCommand, WorkerEvent } from './protocol.js';
import { checkMemory, specRunBytes } from './limits.js';
import { unpackSequences, type PackedSequences } from './pack.js';
import { releaseThread } from './threads.js';

export type Emit = (e: WorkerEvent, transfer?: Transferable[]) => void;

/** A message for an error of any kind: a RecurError's own, memory named plainly, others with their kind. */
export function errorMessage(e: unknown): string {
  if (e instanceof RecurError) return e.message;
  if (e instanceof RangeError && /memory|allocation|Array buffer/i.test(e.message)) {
    return `out of memory: the run needs more memory than this page can have (${e.message}); use a shorter sequence, a smaller batch or hidden size`;
  }
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
/** Now in ms since the epoch, comparable across the page and its workers. */
const epochNow = (): number => performance.timeOrigin + performance.now();

/** Tasks built from arrays, in epochs as the library's objects train; others draw their batches at random. */
const ARRAY_KINDS = new Set(['series', 'classify', 'regress']);

/** The spec's task; `valSize` 1 makes a synthetic task cheap to build (for the size check). */
function taskOf(spec: TrainingSpec, valSize?: number, packedX?: PackedSequences): Task {
  const t = spec.task;
  const seed = spec.train.seed;
  if (typeof t !== 'object' || t === null) throw new RecurError(`task: expected { kind, … }, received ${String(t)}`);
  if (t.kind === 'text' || t.kind === 'csv') {
    if (typeof t.text !== 'string') throw new RecurError(`${t.kind} task: expected its data as a string (text), received ${typeof t.text}`);
    const name = t.name ?? (t.kind === 'text' ? 'text' : 'data.csv');
    const config: TaskConfig = t.kind === 'text' ? { kind: 'text', file: name, seq: t.seq, shuffleLines: t.shuffleLines }
      : { kind: 'csv', file: name, column: t.column, window: t.window, horizon: t.horizon };
    return createTask(config, { seed, readText: () => t.text });
  }
  // arrays: the tasks the library's objects build from the same data (Forecaster, SequenceClassifier, SequenceRegressor)
  if (t.kind === 'series') {
    const { columns, names, inputs, targets } = usedColumns(seriesColumns(t.data, 'series task data', t.columns), t, 'series task');
    return new SeriesTask({ columns, names, inputs, targets, window: t.window, horizon: t.horizon, validationSplit: t.validationSplit, order: 'epochs', source: 'series task data' });
  }
  if (t.kind === 'classify' || t.kind === 'regress') {
    const x = packedX ? unpackSequences(packedX, `${t.kind} task x`) : toSequences(t.x, `${t.kind} task x`);
    const y = t.kind === 'classify' ? (classesOf(t.y, 'classify task y'), t.y) : toTargets(t.y, 'regress task y');
    return new SequenceTask({ kind: t.kind, x, y, validationSplit: t.validationSplit, seed, order: 'epochs' });
  }
  return createTask(t as TaskConfig, { seed, valSize });
}

export class WebSession {
  private trainer: Trainer | null = null;
  private model: Sequential | null = null;
  private task: Task | null = null;
  private kernels: Kernels | null = null;
  private paused = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private finished = false;
  /** The module the page compiles while this worker starts ('wasm', before or after 'start'). */
  private posted: Promise<CompiledKernels | null> | null = null;
  private receive: ((m: CompiledKernels | null) => void) | null = null;
  /** Kernels loaded and warmed before the run ('warm', sent by preloadTraining), with the choice they were made for. */
  private warm: { kind: string; threads: number | 'auto'; kernels: Promise<Kernels> } | null = null;
  private started = false;

  /** `loadedAt`: when the worker's module was evaluated (epoch ms), for RunInfo.timing. */
  constructor(private readonly emit: Emit, private readonly loadedAt = epochNow()) {}

  /** Handles one command; failures are error events. */
  async command(c: WorkerCommand): Promise<void> {
    try {
      switch (c.type) {
        case 'start':
          this.started = true;
          if (c.wasmPosted) this.wasmPosted();
          return await this.start(c.spec, c.packedX, c.threadPorts);
        case 'wasm': this.wasmPosted(); this.receive?.(c.module ? { module: c.module, relaxed: c.relaxed } : null); this.receive = null; return;
        case 'warm':
          if (c.wasmPosted) this.wasmPosted();
          return await this.warmUp(c.kernels ?? 'auto', c.threads ?? 'auto', c.wasmUrl, c.warmUp !== false);
        case 'pause': if (!this.paused && !this.finished) { this.paused = true; this.emit({ type: 'paused' }); } return;
        case 'resume': if (this.paused) { this.paused = false; this.emit({ type: 'resumed' }); this.wake?.(); } return;
        case 'stop': this.stopped = true; this.paused = false; this.wake?.(); return;
        case 'generate': return this.generate(c);
        case 'forecast': return this.forecast(c);
        default: throw new RecurError(`worker command: expected start, wasm, pause, resume, stop, generate, forecast or warm, received ${JSON.stringify((c as { type?: unknown }).type)}`);
      }
    } catch (e) {
      this.emit({ type: 'error', message: errorMessage(e), ...('id' in c ? { id: c.id } : {}) });
    }
  }

  private async start(spec: TrainingSpec, packedX?: PackedSequences, threadPorts?: MessagePort[]): Promise<void> {
    if (this.trainer) throw new RecurError('start: this worker already has a run; start a new worker for another');
    const t0 = performance.now();
    const startAt = epochNow();
    const kind = spec.kernels ?? 'auto', threads = spec.threads ?? 'auto';
    const warm = this.warm;
    this.warm = null;
    const reuse = warm !== null && warm.kind === kind && warm.threads === threads;
    // warmed for another choice: its threads end, and the run loads its own
    if (warm && !reuse) void warm.kernels.then((k) => { if (k instanceof WasmKernels) k.close(); }, () => {});
    // the kernels load first: the page's module arrives in the turn below, and their threads then
    // start while the task is built
    const loading = reuse ? warm.kernels : this.loadKernels(kind, threads, spec.wasmUrl, threadPorts);
    // threads the page started that the warmed kernels do not need end
    if (reuse) for (const p of threadPorts ?? []) releaseThread(p);
    loading.catch(() => {}); // awaited below, unless the task fails first
    // the kernel threads fault in the memory of the step's buffers ahead of it (with truncated BPTT
    // the step takes a chunk's buffers, far less than runBytes counts: none)
    const prefault = (k: Kernels, bytes: number): void => { if (k instanceof WasmKernels && !spec.train?.bptt) k.prefault(bytes); };
    // the kernels are usually up within the turn below: their threads then start on it while the
    // task is built, as far as the spec tells the size (the exact size follows)
    const early = specRunBytes(spec, packedX);
    if (early > 0) void loading.then((k) => prefault(k, early), () => {});
    await turn();
    let runSize: number;
    let task: Task, probeTask: Task, config: ModelConfig;
    try {
      const synthetic = spec.task?.kind !== 'text' && spec.task?.kind !== 'csv' && !ARRAY_KINDS.has(spec.task?.kind);
      // a synthetic task's validation set can take hundreds of MB: check the run's size on a cheap copy
      // first (the data of the others is here already)
      probeTask = taskOf(spec, synthetic ? 1 : undefined, packedX);
      config = modelConfigFor(probeTask, spec);
      runSize = checkMemory(probeTask, config, spec.train.batchSize);
      task = synthetic ? taskOf(spec) : probeTask;
    } catch (e) {
      void loading.then((k) => { if (k instanceof WasmKernels) k.close(); }, () => {});
      throw e;
    }
    const taskAt = epochNow();
    this.kernels = await loading;
    prefault(this.kernels, runSize); // and on, to the exact size, while the model is built
    const kernelsAt = epochNow();
    const model = new Sequential(config, { kernels: this.kernels, seed: spec.train.seed });
    this.task = task;
    this.model = model;
    // what is measured at the initial weights (the gradient flow over time, the spectral sizes of
    // the vital signs) is measured on a float64 copy of them after the first step (it costs more
    // than a step in js): the first step comes sooner
    const probe = spec.gradFlow === false ? null : probeBatch(probeTask, new Rng(spec.train.seed ^ 0x9e3779b9), Math.min(16, spec.train.batchSize));
    let initial = probe || spec.vitals !== false ? float64Copy(model) : null;
    let atInit: number[] = [];
    // the sweep of a recorded step's gate buffers waits until after the step (settle() below): the
    // page hears of the first step first
    const recorder = spec.vitals === false ? null : new VitalsRecorder(model, { steps: spec.train.steps, atStart: initial!, deferGates: true });
    const own = { onEval: (e: import('../train/trainer.js').EvalInfo) => this.emit({ type: 'eval', eval: e }) };
    const trainer = new Trainer(model, task, spec.train, mergeCallbacks(...(recorder ? [recorder.callbacks()] : []), own));
    this.trainer = trainer;
    const timing = { loaded: this.loadedAt, start: startAt, task: taskAt, kernels: kernelsAt, model: epochNow() };
    this.emit({ type: 'ready', info: { preloaded: reuse, kernels: describeKernels(this.kernels), kernelsText: webKernelsText(this.kernels), params: model.paramCount, config, task: task.describe(), baselineLoss: task.baselineLoss, steps: spec.train.steps, timing } });
    const flowAtInit = (): void => {
      if (!probe || !initial) return;
      atInit = measureGradFlow(initial, task, probe).gradNormByStep;
      initial = null;
      this.emit({ type: 'gradflow', atInit, atEnd: [], step: 0 });
    };

    const reportMs = spec.reportMs ?? 100;
    const vitals = (): void => { if (recorder) this.emit({ type: 'vitals', vitals: summarizeVitals(recorder, { clip: spec.train.clip }) }); };
    let pending: StepInfo[] = [];
    let last = performance.now(), reports = 0, firstStepMs = 0;
    const flush = (): void => {
      this.emit({ type: 'progress', steps: pending, step: trainer.loop.step, total: spec.train.steps, paused: this.paused });
      pending = [];
      if (++reports % 5 === 0) vitals();
      last = performance.now();
    };
    const steps = trainer.run();
    for (;;) {
      if (this.stopped) { steps.return(); break; }
      if (this.paused) {
        flush();
        await new Promise<void>((r) => { this.wake = r; });
        this.wake = null;
        continue;
      }
      const r = steps.next();
      if (r.done) break;
      pending.push(r.value);
      if (firstStepMs === 0) {
        // the page hears of the first step at once; then the one-time work that could wait
        firstStepMs = performance.now() - t0;
        flush();
        recorder?.settle();
        await turn();
        flowAtInit();
        continue;
      }
      recorder?.settle();
      if (performance.now() - last >= reportMs) { flush(); await turn(); }
    }
    flush();
    flowAtInit();
    recorder?.finish();
    vitals();
    const res = trainer.result();
    if (probe) this.emit({ type: 'gradflow', atInit, atEnd: measureGradFlow(model, task, probe).gradNormByStep, step: res.steps });
    const bytes = modelToBytes(model, metadataOf(task));
    const result: RunResult = {
      steps: res.steps, seconds: res.seconds, trainLoss: res.trainLoss, valLoss: res.valLoss, baselineLoss: res.baselineLoss,
      accuracy: res.accuracy, solved: res.solved, nanSkipped: res.nanSkipped, rollbacks: res.rollbacks, stoppedEarly: res.stoppedEarly,
      stopped: this.stopped,
      threadStats: this.kernels instanceof WasmKernels ? this.kernels.threadStats() : null,
    };
    this.finished = true;
    this.emit({ type: 'done', result, model: bytes, firstStepMs }, [bytes.buffer]);
  }

  /** Marks that the page posts a compiled module ('wasm'): the kernels wait for it. */
  private wasmPosted(): void {
    if (!this.posted) this.posted = new Promise((r) => { this.receive = r; });
  }

  /** The kernels: from the page's module when it posts one (compiled while this worker started), else loaded here. */
  private async loadKernels(kind: 'auto' | 'wasm' | 'js', threads: number | 'auto', wasmUrl?: TrainingSpec['wasmUrl'], threadPorts?: MessagePort[]): Promise<Kernels> {
    const given = this.posted ? await this.posted : null;
    return loadWebKernels({
      kind, threads, threadPorts,
      wasm: given ? (given.relaxed ? { simd: given.module, relaxed: given.module } : given.module)
        : wasmUrl ? { simd: wasmUrl.simd, relaxed: wasmUrl.relaxed } : undefined,
      // the first steps need not wait for the kernel threads: they join when up, the same bits
      readyTimeoutMs: 0,
    });
  }

  /**
   * Before a run (preloadTraining): the kernels loaded with their threads and warmed (warmup.ts),
   * for the run to take when it asks for the same kind and threads. Stops warming when the run arrives.
   */
  private async warmUp(kind: 'auto' | 'wasm' | 'js', threads: number | 'auto', wasmUrl: TrainingSpec['wasmUrl'], tinyModels: boolean): Promise<void> {
    if (this.started || this.warm) return;
    const kernels = this.loadKernels(kind, threads, wasmUrl);
    this.warm = { kind, threads, kernels };
    // a failure here is the run's to report (it awaits the same kernels); the warm-up only saves time
    const k = await kernels.catch(() => null);
    if (tinyModels && k instanceof WasmKernels) await warmKernels(k, () => this.started).catch(() => 0);
  }

  private ready(what: string): { model: Sequential; task: Task } {
    if (!this.model || !this.task || !this.finished) throw new RecurError(`${what}: expected a finished run, received ${this.model ? 'a run still training' : 'no run'}`);
    return { model: this.model, task: this.task };
  }

  private generate(c: Extract<WorkerCommand, { type: 'generate' }>): void {
    const { model, task } = this.ready('generate');
    if (!(task instanceof TextTask)) throw new RecurError(`generate: expected a model trained on text, received one trained on the ${task.name} task`);
    const ids = new Map(task.vocab.map((ch, i) => [ch, i]));
    const newline = ids.get('\n');
    const prefix = c.prefix ?? '';
    const start = prefix === '' ? (newline !== undefined ? '\n' : task.vocab[0]!) : prefix;
    const prefixIds = Array.from(start, (ch) => {
      const id = ids.get(ch);
      if (id === undefined) throw new RecurError(`generate: prefix expected characters of the model's vocabulary, received ${JSON.stringify(ch)}`);
      return id;
    });
    const rng = new Rng(c.seed ?? 1);
    const samples: string[] = [];
    for (let i = 0; i < Math.min(50, Math.max(1, c.count ?? 10)); i++) {
      const toks = sampleTokens(model, prefixIds, Math.min(2000, c.length ?? 100), c.temperature ?? 0.8, rng, prefix === '' ? newline : undefined);
      samples.push(prefix + toks.map((t) => task.vocab[t]).join(''));
    }
    this.emit({ type: 'generated', id: c.id, samples });
  }

  private forecast(c: Extract<WorkerCommand, { type: 'forecast' }>): void {
    const { model, task } = this.ready('forecast');
    if (!(task instanceof CsvTask)) throw new RecurError(`forecast: expected a model trained on a CSV column, received one trained on the ${task.name} task`);
    if (!Number.isInteger(c.steps) || c.steps < 1 || c.steps > 10000) throw new RecurError(`forecast: steps expected a whole number from 1 to 10000, received ${String(c.steps)}`);
    const recent = task.series.slice(-task.window);
    const z = rollForecast(model, recent.map((v) => task.normalize(v)), c.steps);
    this.emit({ type: 'forecasted', id: c.id, recent: task.series.slice(-Math.max(task.window, 4 * c.steps)), forecast: z.map((v) => task.denormalize(v)) });
  }
}

function modelConfigFor(task: Task, spec: TrainingSpec): ModelConfig {
  if (typeof spec.model !== 'object' || spec.model === null) throw new RecurError(`model: expected the model's settings ({ cell, hiddenSize, … }), received ${String(spec.model)}`);
  const { embedDim, ...rest } = spec.model;
  const input = task.input.kind === 'tokens' && embedDim !== undefined ? { ...task.input, embedDim } : task.input;
  return { ...rest, input, outputSize: task.outputSize, outputMode: task.outputMode, dtype: 'float32' };
}

/** The metadata the CLI and the library read back (as `recur train --save` writes it): the task and its records. */
function metadataOf(task: Task): Record<string, string> {
  return { 'recur.task': JSON.stringify(task.describe()), ...task.modelRecords?.() };
}
