// Warming a training worker's kernels while it waits (preloadTraining, training.ts): a browser
// compiles each wasm function with its baseline compiler (Liftoff) when first called and with its
// optimizing compiler (TurboFan) in the background only once the function has run for a while, and
// it cannot swap the code of a call already running. recur's time loop runs all T steps in one
// call, so a run's first step ran its whole forward and backward in baseline code (V8 in Node 20:
// the first step of workload A took 205 ms against 55 ms later; with optimized code from the start
// it took 145 ms). A few steps of tiny models of the common cells, on the same kernels (so the same
// module), spend the baseline budget where nothing waits; the optimized code is ready when the
// run starts. The same goes for the JavaScript of the step (trainer, model, optimizer, vital
// signs). In chromium (bench:browser, workload A, a page that starts the run 1.5 s after load):
// startTraining → first step 189 ms with a preloaded worker against 283 ms without.
// The warm-up's models are its own: the run's weights, seeds and bits do not depend on it.

import type { Kernels } from '../kernels/types.js';
import type { CellKind } from '../cells/cell.js';
import { Sequential } from '../model/sequential.js';
import { createTask } from '../tasks/index.js';
import { Trainer } from '../train/trainer.js';
import { VitalsRecorder } from '../diagnostics/vitals.js';

/** The cells warmed, most used first. */
const CELLS: readonly CellKind[] = ['lstm', 'gru', 'rnn'];

const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * Trains tiny models (adding task, T 24, B 8, H 32) of each common cell for a few steps on
 * `kernels`, handing the event loop a turn between cells; stops early when `enough()` says so (a
 * run has arrived) or after `budgetMs`. Returns the steps taken.
 */
export async function warmKernels(kernels: Kernels, enough: () => boolean, budgetMs = 250): Promise<number> {
  const t0 = performance.now();
  let steps = 0;
  for (const cell of CELLS) {
    if (enough() || performance.now() - t0 > budgetMs) break;
    const task = createTask({ kind: 'adding', length: 24 }, { seed: 1, valSize: 1 });
    const model = new Sequential({ input: task.input, cell, hiddenSize: 32, outputSize: task.outputSize, outputMode: task.outputMode, dtype: 'float32' }, { kernels, seed: 1 });
    // with the vital signs a run records (its first step records them too)
    const vitals = new VitalsRecorder(model, { steps: 12, every: 1 });
    const trainer = new Trainer(model, task, { steps: 12, batchSize: 8, seed: 1, optimizer: { kind: 'adam', lr: 1e-3 }, clip: { kind: 'norm', maxNorm: 1 }, evalEvery: 1e9 }, vitals.callbacks());
    for (const _ of trainer.run()) steps++;
    await turn();
  }
  return steps;
}
