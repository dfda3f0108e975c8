// The kernels inside a real training run: an LSTM on the adding problem gives the same first 20
// losses on js and wasm kernels (within float32 rounding) and bit-identical losses on 1 and 2
// wasm threads (the thread partition is fixed, so the sums are the same). Shapes are chosen so the
// per-step gemm (16 × 256 × 64) is above the size where the wasm kernels split work over threads.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKernels } from '../src/node/kernels.js';
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

test('wasm gate backward flushes gradients below 2^-100 to zero and keeps NaN', { skip: wasmOk ? false : 'wasm kernels do not load here' }, () => {
  const k = createKernels({ kind: 'wasm', threads: 1 });
  const b = 2, h = 5;
  const fill = (n: number, f: (i: number) => number) => { const a = k.alloc(n); for (let i = 0; i < n; i++) a[i] = f(i); return a; };
  const gates = fill(b * 4 * h, (i) => 0.2 + 0.6 * ((i * 7) % 10) / 10);
  const cPrev = fill(b * h, (i) => 0.1 * i), c = fill(b * h, (i) => -0.05 * i);
  const dG = k.alloc(b * 4 * h);
  // tiny gradients (normal floats around 1e-33): every output would be far below 2^-100
  const dhTiny = fill(b * h, () => 1e-33), dcTiny = fill(b * h, () => 0);
  k.lstmBackward(b, h, gates, 0, cPrev, 0, c, 0, dhTiny, 0, dcTiny, 0, dG, 0);
  assert.ok(dG.every((v) => v === 0), 'flushed');
  // ordinary gradients pass unchanged in magnitude; NaN survives
  const dh = fill(b * h, (i) => (i === 3 ? NaN : 0.5)), dc = fill(b * h, () => 0.1);
  k.lstmBackward(b, h, gates, 0, cPrev, 0, c, 0, dh, 0, dc, 0, dG, 0);
  assert.ok(Number.isNaN(dG[3 + 3 * h]), 'NaN in dh reaches the o-gate gradient');
  assert.ok(dG.some((v) => Number.isFinite(v) && Math.abs(v) > 1e-3));
});
