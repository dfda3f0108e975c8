// The messages between a page and its training worker (train-worker.ts), all plain data that
// structured cloning carries. A run is described by TrainingSpec; the worker answers with events.

import type { ThreadStats } from '../kernels/wasm-defs.js';
import type { ColumnChoice, SeriesData } from '../api/series-data.js';
import type { KernelChoice } from '../kernels/index.js';
import type { Label, SequenceSample } from '../tasks/sequences.js';
import type { ModelConfig } from '../model/config.js';
import type { VitalsSummary } from '../diagnostics/vitals-summary.js';
import type { EvalInfo, StepInfo, TrainConfig } from '../train/trainer.js';
import type { PackedSequences } from './pack.js';

/**
 * The data of a run: a synthetic task; a text (names: one item a line); CSV text with the column
 * to forecast (as `recur train --task csv`); or arrays, taken as the library's objects take them
 * (src/api/): a series to forecast (Forecaster: number[], number[][] rows × columns or
 * { name: number[] }), labelled sequences to classify (SequenceClassifier) or to regress
 * (SequenceRegressor: x samples × time × features). The model file of each reads back in the CLI
 * and in the matching object's fromBytes.
 */
export type TaskSpec =
  | { kind: 'adding' | 'copy' | 'order'; length: number }
  | { kind: 'text'; text: string; seq?: number; shuffleLines?: boolean; name?: string }
  | { kind: 'csv'; text: string; column: string; window?: number; horizon?: number; name?: string }
  | ({ kind: 'series'; data: SeriesData; window?: number; horizon?: number; columns?: readonly string[]; validationSplit?: number } & ColumnChoice)
  | { kind: 'classify'; x: readonly SequenceSample[]; y: readonly Label[]; validationSplit?: number }
  | { kind: 'regress'; x: readonly SequenceSample[]; y: readonly (number | readonly number[])[]; validationSplit?: number };

/** The model's settings; input, output size and mode come from the task. */
export type ModelSpec = Omit<ModelConfig, 'input' | 'outputSize' | 'outputMode' | 'dtype'> & { embedDim?: number };

export interface TrainingSpec {
  task: TaskSpec;
  model: ModelSpec;
  train: TrainConfig;
  /** Kernel threads in the worker (default 'auto': 2 where the page is cross-origin isolated, else 1). */
  threads?: number | 'auto';
  /** 'js' forces the reference kernels (default 'auto': wasm when it loads). */
  kernels?: 'auto' | 'wasm' | 'js';
  /** Record vital signs and the gradient heatmap (default true). */
  vitals?: boolean;
  /** Measure the gradient flow over time at initialization and at the end (default true). */
  gradFlow?: boolean;
  /** Milliseconds between progress events (default 100). */
  reportMs?: number;
  /** Where the wasm builds are, resolved against the page (default: beside the worker module). */
  wasmUrl?: { simd: string; relaxed?: string };
}

export interface RunInfo {
  kernels: KernelChoice;
  kernelsText: string;
  params: number;
  config: ModelConfig;
  task: Record<string, unknown>;
  /** The task's trivial predictor's loss (null where it has none). */
  baselineLoss: number | null;
  steps: number;
  /** Whether the run took a worker started ahead by preloadTraining, with its warmed kernels. */
  preloaded: boolean;
  /**
   * When the worker passed each stage before training, in ms since the epoch (performance.timeOrigin
   * + performance.now(), comparable with the page's): its module evaluated (`loaded`), the start
   * command received, the task built, the kernels ready, the model built.
   */
  timing: { loaded: number; start: number; task: number; kernels: number; model: number };
}

export interface RunResult {
  steps: number; seconds: number; trainLoss: number; valLoss: number; baselineLoss: number | null;
  accuracy: number | null; solved: boolean; nanSkipped: number; rollbacks: number; stoppedEarly: boolean;
  stopped: boolean;
  /** How the wasm kernels shared their calls with their threads (null for js kernels): workerChunks > 0 when the threads took work. */
  threadStats: ThreadStats | null;
}

/** Events from the worker. */
export type WorkerEvent =
  | { type: 'ready'; info: RunInfo }
  | { type: 'progress'; steps: StepInfo[]; step: number; total: number; paused: boolean } // the first right after step 1
  | { type: 'eval'; eval: EvalInfo }
  | { type: 'vitals'; vitals: VitalsSummary }
  | { type: 'gradflow'; atInit: number[]; atEnd: number[]; step: number }
  | { type: 'paused' } | { type: 'resumed' }
  | { type: 'done'; result: RunResult; model: Uint8Array; firstStepMs: number }
  | { type: 'generated'; id: number; samples: string[] }
  | { type: 'forecasted'; id: number; recent: number[]; forecast: number[] }
  | { type: 'error'; message: string; id?: number };

/** Commands to the worker. */
export type WorkerCommand =
  | {
    type: 'start'; spec: TrainingSpec; /** the page compiles the wasm and posts it as a 'wasm' command */ wasmPosted?: boolean;
    /** a classify or regress task's x, packed on the page (pack.ts; the spec's x is then empty) */ packedX?: PackedSequences;
    /** ends of channels to kernel threads the page started for the run (wasm-thread.js) */ threadPorts?: MessagePort[];
  }
  | { type: 'wasm'; module: WebAssembly.Module | null; relaxed: boolean }
  /** preloadTraining: load the kernels (threads and all) and warm them before the run arrives */
  | { type: 'warm'; kernels?: 'auto' | 'wasm' | 'js'; threads?: number | 'auto'; wasmUrl?: TrainingSpec['wasmUrl']; wasmPosted?: boolean; /** run the tiny models (default true) */ warmUp?: boolean }
  | { type: 'pause' } | { type: 'resume' } | { type: 'stop' }
  | { type: 'generate'; id: number; prefix?: string; count?: number; length?: number; temperature?: number; seed?: number }
  | { type: 'forecast'; id: number; steps: number };
