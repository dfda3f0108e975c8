// recur against PyTorch: outputs, final states and every gradient of RNN (tanh, relu, sigmoid,
// leaky relu), LSTM and GRU stacks, 1 and 2 layers, bidirectional, variable lengths, on every
// kernel set. Fixtures: scripts/golden_rnn.py (float64 PyTorch; see scripts/README.md).

import { test } from 'node:test';
import { RecurrentStack } from '../src/layers/stack.js';
import { Rng } from '../src/tensor/rng.js';
import { assertClose } from './helpers/compare.js';
import {
  GOLDEN_B, GOLDEN_I, GOLDEN_H, GOLDEN_T, goldenC0, goldenH0, goldenParam, goldenX, loadGoldenCases,
  lossGradCn, lossGradHn, lossGradOutput,
} from './helpers/golden.js';
import { kernelSets } from './helpers/kernel-sets.js';

const cases = loadGoldenCases();
const sets = await kernelSets();

for (const { label, kernels: k, tol } of sets) {
  test(`PyTorch goldens on ${label} kernels (${cases.length} cases)`, async (t) => {
    // one subtest per case, so that a failing case does not hide the others
    for (const c of cases) await t.test(c.name, () => {
      const stack = new RecurrentStack(k, {
        cell: c.cell, activation: c.activation ?? undefined, leak: c.leak ?? undefined,
        inputSize: GOLDEN_I, hiddenSize: GOLDEN_H, numLayers: c.numLayers, bidirectional: c.bidirectional,
      });
      for (const p of stack.params) p.value.set(goldenParam(c, p.name));
      const d = c.bidirectional ? 2 : 1;
      const put = (src: Float64Array) => { const a = k.alloc(src.length); a.set(src); return a; };
      const x = put(goldenX());
      const h0 = put(goldenH0(c.numLayers, d));
      const c0 = c.cell === 'lstm' ? put(goldenC0(c.numLayers, d)) : null;
      stack.setInitialState({ h: h0, c: c0 });
      const lengths = c.lengths ? Int32Array.from(c.lengths) : null;
      const y = stack.forward({ data: x, t: GOLDEN_T, b: GOLDEN_B, f: GOLDEN_I }, { training: false, rng: new Rng(0), lengths });
      assertClose(y.data, c.output, tol, `${c.name} output`);
      const fin = stack.finalState();
      assertClose(fin.h, c.h_n, tol, `${c.name} h_n`);
      if (c.c_n) assertClose(fin.c!, c.c_n, tol, `${c.name} c_n`);

      const dy = put(lossGradOutput(y.data.length));
      const dhN = put(lossGradHn(fin.h.length));
      const dcN = c.c_n ? put(lossGradCn(fin.h.length)) : null;
      const dx = stack.backwardWithState({ data: dy, t: GOLDEN_T, b: GOLDEN_B, f: y.f }, { h: dhN, c: dcN });
      for (const p of stack.params) assertClose(p.grad, c.grads[p.name], tol, `${c.name} grad ${p.name}`);
      assertClose(dx.data, c.dx, tol, `${c.name} dx`);
      assertClose(stack.dInitial.h, c.dh0, tol, `${c.name} dh0`);
      if (c.dc0) assertClose(stack.dInitial.c, c.dc0, tol, `${c.name} dc0`);
    });
  });
}
