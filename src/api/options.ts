// The options of the high-level objects: the network (every remedy of the engine: cell,
// activation, initialisation, layers, directions, dropout, dilations, residual connections, Skip
// RNN, dtype, kernels) and fitting (epochs or steps, batches, validation, early stopping,
// optimizer, schedule, clipping, truncated BPTT, NaN guard, vital signs, callbacks). Plain data,
// checked once here; what comes out is the engine's own ModelConfig and TrainConfig.

import type { CellKind } from '../cells/cell.js';
import type { VitalsSummary } from '../diagnostics/vitals-summary.js';
import { RecurError, fail } from '../errors.js';
import { createKernels, type KernelKind } from '../kernels/index.js';
import type { Activation, DType, Kernels } from '../kernels/types.js';
import { parseModelConfig, type InitConfig, type InputConfig, type ModelConfig } from '../model/config.js';
import type { Task } from '../tasks/task.js';
import type { NanGuardEvent, NanGuardOptions } from '../train/nan-guard.js';
import type { OptimizerConfig } from '../train/optimizers.js';
import type { ScheduleConfig } from '../train/schedules.js';
import type { ClipConfig, EvalInfo, StepInfo, TrainConfig } from '../train/trainer.js';

/** The network and where it runs. Defaults: an LSTM of 64 units, one layer, PyTorch's initialisation. */
export interface NetworkOptions {
  cell?: CellKind;
  hiddenSize?: number;
  numLayers?: number;
  /** RNN cells only: tanh (default), sigmoid, relu, leaky_relu. */
  activation?: Activation;
  /** Slope of leaky_relu below 0; default 0.01. */
  leak?: number;
  bidirectional?: boolean;
  /** Dropout between stacked layers. */
  dropout?: number;
  /** Initialisation of the recurrent weights (identity, orthogonal, …), LSTM forget bias. */
  init?: InitConfig;
  /** One dilation per layer (Chang et al. 2017); sets numLayers. */
  dilations?: number[];
  /** Residual connections around every recurrent layer. */
  residual?: boolean;
  /** Skip RNN layers (Campos et al. 2018) with budget loss weight λ. */
  skip?: { budget: number };
  /** float32 (default) or float64 (js kernels only). */
  dtype?: DType;
  /** A kernel set, or which to make: 'auto' (default: wasm where it loads), 'wasm', 'js'. */
  kernels?: Kernels | KernelKind;
  /** Threads of the wasm kernels (default 1). */
  threads?: number;
  /** Seed of the initial weights, the data order and the validation split; default 1. */
  seed?: number;
}

/** What the callbacks of fit receive at the end of each epoch. */
export interface EpochInfo {
  epoch: number;
  epochs: number;
  step: number;
  trainLoss: number;
  /** Null without validation data. */
  valLoss: number | null;
  accuracy: number | null;
  seconds: number;
}

export interface FitCallbacks {
  /** After every training step. */
  onStep?(s: StepInfo): void;
  /** After every evaluation on the validation data. */
  onEval?(e: EvalInfo): void;
  /** At the end of each epoch; return false to stop training there. */
  onEpochEnd?(e: EpochInfo): void | boolean;
  /** Skips, undos and rollbacks of the NaN guard. */
  onNanGuard?(e: NanGuardEvent): void;
  /** After backward, before clipping (the gradients are in the engine model's params). */
  onGradients?(step: number): void;
}

export interface FitOptions<V> {
  /** Passes over the training data (default 10); or give `steps`. */
  epochs?: number;
  /** Training steps (batches), instead of epochs. */
  steps?: number;
  /** Samples per batch; default 32. */
  batchSize?: number;
  /** Share of the data held out to validate (see each object for how it is chosen). */
  validationSplit?: number;
  /** Data to validate on, instead of a split. */
  validationData?: V;
  /** Stop when the validation loss has not improved for `patience` evaluations (default 5). */
  earlyStopping?: boolean | { patience?: number; minDelta?: number };
  /** At the end, put back the weights of the best validation loss seen. */
  restoreBestWeights?: boolean;
  /** Evaluate every N steps; default once per epoch. */
  evalEvery?: number;
  /** Optimizer: a kind ('adam', 'sgd', …) or a full config; default Adam. */
  optimizer?: OptimizerConfig['kind'] | OptimizerConfig;
  /** Learning rate (overrides the optimizer config's). */
  lr?: number;
  schedule?: ScheduleConfig;
  /** Gradient clipping; default { kind: 'norm', maxNorm: 1 }; false for none. */
  clip?: ClipConfig | false;
  /** Truncated BPTT chunk length. */
  bptt?: number;
  /** NaN guard settings (it is always on: non-finite steps are skipped). */
  nanGuard?: NanGuardOptions;
  /** Record training vital signs (diagnostics/vitals.ts); the summary is in the result. */
  vitals?: boolean;
  callbacks?: FitCallbacks;
}

export interface FitResult {
  /** Epochs completed (fractional when training was given in steps). */
  epochs: number;
  steps: number;
  seconds: number;
  trainLoss: number;
  valLoss: number | null;
  accuracy: number | null;
  /** The loss of the best guess that ignores the sequence (the bar to clear); null without validation. */
  baselineLoss: number | null;
  bestValLoss: number | null;
  bestStep: number | null;
  /** Why training ended. */
  stopped: 'completed' | 'early-stopping' | 'callback';
  /** Whether the best weights were put back at the end. */
  restoredBest: boolean;
  nanSkipped: number;
  rollbacks: number;
  history: EpochInfo[];
  vitals: VitalsSummary | null;
  /** Which kernels ran: "wasm (relaxed SIMD, 1 thread)", or js and why. */
  kernels: string;
}

const NETWORK_KEYS: readonly string[] = ['cell', 'hiddenSize', 'numLayers', 'activation', 'leak', 'bidirectional', 'dropout', 'init', 'dilations', 'residual', 'skip', 'dtype', 'kernels', 'threads', 'seed'];
const FIT_KEYS: readonly string[] = ['epochs', 'steps', 'batchSize', 'validationSplit', 'validationData', 'earlyStopping', 'restoreBestWeights', 'evalEvery', 'optimizer', 'lr', 'schedule', 'clip', 'bptt', 'nanGuard', 'vitals', 'callbacks'];

/** Refuses keys that are not options (a typo would otherwise be silently ignored). */
export function checkKeys(o: unknown, what: string, allowed: readonly string[]): Record<string, unknown> {
  if (o === undefined) return {};
  if (typeof o !== 'object' || o === null || Array.isArray(o)) fail(what, 'an object of options', o);
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new RecurError(`${what}: unknown option "${k}" (expected one of ${allowed.join(', ')})`);
  return o as Record<string, unknown>;
}

export function checkNetwork(o: NetworkOptions | undefined, extraKeys: readonly string[], what: string): NetworkOptions {
  checkKeys(o, what, [...NETWORK_KEYS, ...extraKeys]);
  const n = { ...o };
  if (n.seed !== undefined && (!Number.isInteger(n.seed) || n.seed < 0 || n.seed > 0xffffffff)) fail(`${what} seed`, 'a whole number in [0, 4294967295]', n.seed);
  if (n.threads !== undefined && (!Number.isInteger(n.threads) || n.threads < 1 || n.threads > 64)) fail(`${what} threads`, 'a whole number in [1, 64]', n.threads);
  if (n.kernels !== undefined && typeof n.kernels !== 'object' && !['js', 'wasm', 'auto'].includes(n.kernels as string)) fail(`${what} kernels`, "a kernel set or 'auto', 'wasm', 'js'", n.kernels);
  // the network itself is checked where it is built (networkConfig), once its input is known
  networkConfig(n, { kind: 'features', size: 1 }, 1, 'last', what);
  return n;
}

/** The engine's ModelConfig for these options and a task's input and output. */
export function networkConfig(n: NetworkOptions, input: InputConfig, outputSize: number, outputMode: 'last' | 'every', what = 'options'): ModelConfig {
  const cfg: Record<string, unknown> = {
    input, cell: n.cell ?? 'lstm', hiddenSize: n.hiddenSize ?? 64, outputMode, outputSize, dtype: n.dtype ?? 'float32',
  };
  const numLayers = n.numLayers ?? n.dilations?.length;
  if (numLayers !== undefined) cfg.numLayers = numLayers;
  for (const k of ['activation', 'leak', 'bidirectional', 'dropout', 'init', 'dilations', 'residual', 'skip'] as const) if (n[k] !== undefined) cfg[k] = n[k];
  if (cfg.cell !== 'rnn' && (n.activation !== undefined || n.leak !== undefined)) fail(`${what} activation`, `none for cell ${JSON.stringify(cfg.cell)} (an ${cfg.cell} has its own gate activations; activation is for cell 'rnn')`, n.activation ?? n.leak);
  try {
    return parseModelConfig(cfg);
  } catch (e) {
    if (e instanceof RecurError) throw new RecurError(e.message.replace(/^model config( field)?/, what));
    throw e;
  }
}

/** What makes a kernel set: the core's createKernels, or the Node room's (wasm from disk, worker threads). */
export type KernelMaker = (o: { kind?: KernelKind; dtype?: DType; threads?: number }) => Kernels;
export const coreKernels: KernelMaker = (o) => createKernels(o);

/** The kernels the options ask for (a given set is used as it is), made by `make`. */
export function kernelsFor(n: NetworkOptions, make: KernelMaker): Kernels {
  if (typeof n.kernels === 'object') return n.kernels;
  const dtype = n.dtype ?? 'float32';
  // float64 runs on the js kernels only; 'auto' takes them rather than refusing
  const kind = dtype === 'float64' && (n.kernels ?? 'auto') === 'auto' ? 'js' : n.kernels ?? 'auto';
  return make({ kind, dtype, threads: n.threads });
}

export interface CheckedFit<V> {
  o: FitOptions<V>;
  batchSize: number;
  earlyStopping: { patience: number; minDelta: number } | null;
}

export function checkFit<V>(o: FitOptions<V> | undefined): CheckedFit<V> {
  const f = checkKeys(o, 'fit options', FIT_KEYS) as FitOptions<V>;
  const whole = (k: 'epochs' | 'steps' | 'batchSize' | 'evalEvery' | 'bptt'): void => {
    const v = f[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 1e9)) fail(`fit option ${k}`, 'a whole number ≥ 1', v);
  };
  (['epochs', 'steps', 'batchSize', 'evalEvery', 'bptt'] as const).forEach(whole);
  if (f.epochs !== undefined && f.steps !== undefined) throw new RecurError('fit options epochs and steps: expected one of them, received both');
  if (f.validationSplit !== undefined && (typeof f.validationSplit !== 'number' || !(f.validationSplit >= 0 && f.validationSplit < 1))) {
    fail('fit option validationSplit', 'a fraction in [0, 1)', f.validationSplit);
  }
  if (f.validationSplit && f.validationData !== undefined) throw new RecurError('fit options validationSplit and validationData: expected one of them, received both');
  if (f.lr !== undefined && (typeof f.lr !== 'number' || !(f.lr > 0) || !Number.isFinite(f.lr))) fail('fit option lr', 'a number > 0', f.lr);
  let earlyStopping: CheckedFit<V>['earlyStopping'] = null;
  if (f.earlyStopping !== undefined && f.earlyStopping !== false) {
    const es = f.earlyStopping === true ? {} : checkKeys(f.earlyStopping, 'fit option earlyStopping', ['patience', 'minDelta']) as { patience?: number; minDelta?: number };
    const patience = es.patience ?? 5, minDelta = es.minDelta ?? 0;
    if (!Number.isInteger(patience) || patience < 1) fail('fit option earlyStopping.patience', 'a whole number ≥ 1', patience);
    if (typeof minDelta !== 'number' || !(minDelta >= 0)) fail('fit option earlyStopping.minDelta', 'a number ≥ 0', minDelta);
    earlyStopping = { patience, minDelta };
  }
  if (f.callbacks !== undefined) {
    const cb = checkKeys(f.callbacks, 'fit option callbacks', ['onStep', 'onEval', 'onEpochEnd', 'onNanGuard', 'onGradients']);
    for (const [k, v] of Object.entries(cb)) if (v !== undefined && typeof v !== 'function') fail(`fit callback ${k}`, 'a function', v);
  }
  return { o: f, batchSize: f.batchSize ?? 32, earlyStopping };
}

/** The engine's TrainConfig for a fit of `steps` steps. */
export function trainConfigFor<V>(c: CheckedFit<V>, steps: number, evalEvery: number, seed: number, defaultLr: number): TrainConfig {
  const o = c.o;
  const base: OptimizerConfig = typeof o.optimizer === 'object' && o.optimizer !== null ? { ...o.optimizer } : { kind: o.optimizer ?? 'adam' } as OptimizerConfig;
  if (o.lr !== undefined || base.lr === undefined) base.lr = o.lr ?? defaultLr;
  const clip: ClipConfig = o.clip === false ? { kind: 'none' } : o.clip ?? { kind: 'norm', maxNorm: 1 };
  return {
    steps, batchSize: c.batchSize, seed, optimizer: base, schedule: o.schedule, clip, bptt: o.bptt,
    evalEvery, nanGuard: o.nanGuard, stopWhenSolved: false,
    earlyStopping: c.earlyStopping ? { patience: c.earlyStopping.patience, minDelta: c.earlyStopping.minDelta } : undefined,
  };
}

/** A task that knows its epochs (every in-memory task does). */
export type EpochTask = Task & { stepsPerEpoch(batchSize: number): number };
