// ============================================================================================
//  RECUR ADAPTER: the one place where the benchmark harness calls recur itself.
//
//  TO BE FILLED IN by the engineer who writes recur's model (src/model, src/train). Until then it
//  throws, and `npm run bench` reports recur as "error: recur adapter not wired yet" and carries
//  on with the peers.
//
//  Contract (see bench/workloads.ts for `Workload`, bench/README.md for the rules):
//  - Build, once, what one timed step needs for workload `w`: a model with one recurrent layer
//    (`w.cell`: 'lstm' | 'gru' | 'rnn' with tanh; input `w.inputSize`, hidden `w.hiddenSize`),
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

import type { Workload } from './workloads.js';

export interface RecurStepOptions {
  kernels: 'js' | 'wasm' | 'auto';
  threads: number;
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
  void w;
  void opts;
  throw new Error('recur adapter not wired yet');
}
