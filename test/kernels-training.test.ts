// The kernels inside a real training run: an LSTM on the adding problem gives the same first 20
// losses on js and wasm kernels (within float32 rounding) and bit-identical losses on 1 and 2
// wasm threads (the thread partition is fixed, so the sums are the same). Shapes are chosen so the
// per-step gemm (16 × 256 × 64) is above the size where the wasm kernels split work over threads.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKernels } from '../src/kernels/index.js';
import type { Kernels } from '../src/kernels/types.js';
import { Sequential } from '../src/model/sequential.js';
import { createTask } from '../src/tasks/index.js';
import { Trainer } from '../src/train/trainer.js';

function losses(kernels: Kernels): number[] {
  const task = createTask({ kind: 'adding', length: 20 }, { seed: 1, valSize: 32 });
  const model = new Sequential({ input: task.input, cell: 'lstm', hiddenSize: 64, outputMode: 'last', outputSize: 1 }, { kernels, seed: 4 });
  const r = new Trainer(model, task, { steps: 20, batchSize: 16, seed: 2, optimizer: { kind: 'adam', lr: 1e-2 }, stopWhenSolved: false, evalEvery: 20 }).train();
  return r.history.steps.map((s) => s.loss);
}

let wasmOk = true;
try { createKernels({ kind: 'wasm' }); } catch { wasmOk = false; }

test('first 20 training losses: js vs wasm within 1e-4, wasm 1 vs 2 threads bit-identical', { skip: wasmOk ? false : 'wasm kernels do not load here' }, () => {
  const js = losses(createKernels({ kind: 'js', dtype: 'float32' }));
  const w1k = createKernels({ kind: 'wasm', threads: 1 });
  const w2k = createKernels({ kind: 'wasm', threads: 2 });
  const w1 = losses(w1k);
  const w2 = losses(w2k);
  (w2k as { close?: () => void }).close?.();
  assert.equal(js.length, 20);
  js.forEach((l, i) => assert.ok(Math.abs(l - w1[i]) <= 1e-4 * Math.abs(l), `step ${i + 1}: js ${l} vs wasm ${w1[i]}`));
  assert.deepEqual(w2, w1);
  assert.ok(js[19] < js[0], 'the run learns');
});
