// ============================================================================================
//  RECUR ADAPTER: the one place where the benchmark harness calls recur itself.
//
//  Contract (see bench/workloads.ts for `Workload`, bench/README.md for the rules):
//  - Build, once, what one timed step needs for workload `w`: a model with one recurrent layer
//    (`w.cell`: 'lstm' | 'gru' | 'rnn' with tanh | 'indrnn' | 'mingru' | 'minlstm'; input
//    `w.inputSize`, hidden `w.hiddenSize`),
//    then a dense head: 1 output with MSE loss, or `w.classes` outputs with softmax
//    cross-entropy when `w.classes` is set; Adam, lr 1e-3; float32; kernels `opts.kernels`
//    ('auto' = the fastest available), `opts.threads` worker threads.
//  - A fixed batch of inputs (T = w.length, B = w.batch, I = w.inputSize) drawn from a standard
//    normal distribution (bench/measure.ts `normalArray` gives seeded samples), and fixed
//    targets (standard normal for regression, random class ids for classification).
//  - `step()` runs ONE timed step, synchronously, to completion:
//      w.mode === 'train': forward through time + backward through time + optimizer update;
//      w.mode === 'infer': forward only (no caches for backward, if the model can skip them).
//    Nothing that belongs to setup (allocation of workspaces, kernel compilation) may be left
//    for the timed steps, except what recur really does again on every step.
//  - `close()` frees workers and wasm memory so the process can exit.
//  - Optionally `notes` (shown in the table) and `version`.
// ============================================================================================

import { createKernels } from '../src/node/kernels.js';
import type { Kernels } from '../src/kernels/types.js';
import { Sequential } from '../src/model/sequential.js';
import { computeLoss } from '../src/train/losses.js';
import { Adam } from '../src/train/optimizers.js';
import { normalArray } from './measure.js';
import type { Workload } from './workloads.js';

export interface RecurStepOptions {
  kernels: 'js' | 'wasm' | 'auto';
  threads: number;
  /** A kernel set to use instead of creating one (scripts/profile-step.mjs passes an instrumented one). */
  kernelSet?: Kernels;
}

export interface RecurStep {
  step: () => void;
  close(): void;
  /** Optional remarks for the report, e.g. which kernels 'auto' chose. */
  notes?: string;
  /** Optional version string of recur. */
  version?: string;
}

export async function recurStep(w: Workload, opts: RecurStepOptions): Promise<RecurStep> {
  const kernels = opts.kernelSet ?? createKernels({ kind: opts.kernels, dtype: 'float32', threads: opts.threads });
  const classes = w.classes;
  const model = new Sequential({
    input: { kind: 'features', size: w.inputSize }, cell: w.cell, hiddenSize: w.hiddenSize,
    ...(w.cell === 'rnn' ? { activation: 'tanh' as const } : {}),
    // IndRNN as a run would set it: |u| ≤ 2^{1/T} (Li et al.), clamped after every update
    ...(w.cell === 'indrnn' ? { recurrentMax: 2 ** (1 / w.length) } : {}),
    outputMode: 'last', outputSize: classes ?? 1, dtype: 'float32',
  }, { kernels, seed: 1 });
  const { length: t, batch: b, inputSize: i } = w;
  const x = normalArray(t * b * i, 1);
  const target = classes ? Float64Array.from({ length: b }, (_, r) => r % classes) : normalArray(b, 2);
  const optimizer = new Adam({ lr: 1e-3 });
  const grad = kernels.alloc(b * (classes ?? 1));
  const step = w.mode === 'infer'
    ? () => { model.forward(x, t, b); }
    : () => {
      model.zeroGrad();
      const y = model.forward(x, t, b, { training: true });
      computeLoss(classes ? 'cross_entropy' : 'mse', { pred: y.data, rows: b, cols: classes ?? 1, target }, grad);
      model.backward({ data: grad, t: 1, b, f: classes ?? 1 });
      optimizer.step(model.params);
    };
  return {
    step,
    close: () => { (kernels as { close?: () => void }).close?.(); },
    notes: `${kernels.name} kernels, ${opts.threads} thread(s)`,
  };
}
