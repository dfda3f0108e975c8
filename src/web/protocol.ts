// The messages between a page and its training worker (train-worker.ts), all plain data that
// structured cloning carries. A run is described by TrainingSpec; the worker answers with events.

import type { KernelChoice } from '../kernels/index.js';
import type { ModelConfig } from '../model/config.js';
import type { VitalsSummary } from '../diagnostics/vitals-summary.js';
import type { EvalInfo, StepInfo, TrainConfig } from '../train/trainer.js';

/** The data of a run: a synthetic task, a text (names: one item a line), or CSV text with the column to forecast. */
export type TaskSpec =
  | { kind: 'adding' | 'copy' | 'order'; length: number }
  | { kind: 'text'; text: string; seq?: number; shuffleLines?: boolean; name?: string }
  | { kind: 'csv'; text: string; column: string; window?: number; horizon?: number; name?: string };

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
  /** Milliseconds from the worker's start to the end of the first training step. */
  firstStepMs?: number;
}

export interface RunResult {
  steps: number; seconds: number; trainLoss: number; valLoss: number; baselineLoss: number | null;
  accuracy: number | null; solved: boolean; nanSkipped: number; rollbacks: number; stoppedEarly: boolean;
  stopped: boolean;
}

/** Events from the worker. */
export type WorkerEvent =
  | { type: 'ready'; info: RunInfo }
  | { type: 'progress'; steps: StepInfo[]; step: number; total: number; paused: boolean }
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
  | { type: 'start'; spec: TrainingSpec }
  | { type: 'pause' } | { type: 'resume' } | { type: 'stop' }
  | { type: 'generate'; id: number; prefix?: string; count?: number; length?: number; temperature?: number; seed?: number }
  | { type: 'forecast'; id: number; steps: number };
