// brain.js 1.6.1 peer. It has no batches and no many-to-one head, so the closest network its API
// allows is LSTMTimeStep / GRUTimeStep / RNNTimeStep with the workload's input and hidden sizes
// and output size equal to input size (an output of 1 with a wider input gives NaN): it learns to
// predict the next time step of the sequence. Learning rate 1e-3 (its default 0.01 diverges at
// hidden 128); its optimizer is RMSProp with clipping, not Adam (not configurable).
//
// One timed step = one `trainPattern` on one sequence of T steps (forward through time, backward
// through time, weight update), i.e. what `net.train` does per sequence per iteration. Inference
// (workload E) = one `net.run` over the sequence. Figures are per sequence.

import { createRequire } from 'node:module';
import type { Workload } from '../workloads.js';
import { normalArray } from '../measure.js';
import type { Runner } from './runner.js';

interface BrainNet {
  train(data: number[][][], opts: Record<string, unknown>): { error: number; iterations: number };
  formatData(data: number[][][]): Float32Array[][];
  trainPattern(seq: Float32Array[], logErrorRate?: boolean): number | undefined;
  run(seq: Float32Array[]): Float32Array;
}
type BrainCtor = new (opts: Record<string, unknown>) => BrainNet;
interface BrainModule {
  recurrent: { LSTMTimeStep: BrainCtor; GRUTimeStep: BrainCtor; RNNTimeStep: BrainCtor };
}

export async function brainRunner(w: Workload): Promise<Runner> {
  const require = createRequire(import.meta.url);
  const brain = require('brain.js') as BrainModule;
  const version = (require('brain.js/package.json') as { version: string }).version;
  const { inputSize: I, hiddenSize: H, length: T } = w;
  const Ctor = w.cell === 'lstm' ? brain.recurrent.LSTMTimeStep
    : w.cell === 'gru' ? brain.recurrent.GRUTimeStep : brain.recurrent.RNNTimeStep;
  const net = new Ctor({ inputSize: I, hiddenLayers: [H], outputSize: I });

  const flat = normalArray(T * I, 1);
  const seq: number[][] = [];
  for (let t = 0; t < T; t++) seq.push(Array.from(flat.subarray(t * I, (t + 1) * I)));
  // One call of train() sets the training options (learning rate) and builds the network; it
  // trains once on the sequence, which counts as set-up, not as a timed step.
  const first = net.train([seq], { iterations: 1, learningRate: 1e-3, errorThresh: 0 });
  if (!Number.isFinite(first.error)) throw new Error(`brain.js gave error ${first.error} on the first pass`);
  const formatted = net.formatData([seq])[0];
  if (!formatted || formatted.length !== T) throw new Error('brain.js formatted the sequence unexpectedly');

  const notes = [
    'per sequence (no batches)',
    `${w.cell === 'lstm' ? 'LSTM' : w.cell === 'gru' ? 'GRU' : 'RNN'}TimeStep, output ${I} (next-step prediction, not many-to-one)`,
    'RMSProp lr 1e-3 (brain.js has no Adam)',
  ];
  if (w.classes) notes.push(`no softmax head: ${w.classes}-class head not expressible`);

  let step: () => unknown;
  if (w.mode === 'infer') {
    step = () => net.run(formatted);
  } else {
    step = () => {
      const err = net.trainPattern(formatted, true);
      if (err !== undefined && Number.isNaN(err)) throw new Error('brain.js training produced NaN');
    };
  }
  return { step, seqPerStep: 1, notes, versions: { 'brain.js': version }, close: () => undefined };
}
