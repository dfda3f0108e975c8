// IndRNN, minGRU and minLSTM against PyTorch: outputs, final states and every gradient, 1 and 2
// layers, bidirectional, variable lengths and long sequences (the chunked scan), on every kernel
// set, through both routes of the layer (the whole-direction pass, and the cell step by step,
// which full-length batches take when given their lengths). Fixtures: scripts/golden_newcells.py
// (the plain-loop reference modules of scripts/recur_cells_torch.py, float64).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { CellKind } from '../src/cells/table.js';
import { scanChunkLength } from '../src/kernels/scan-types.js';
import { RecurrentStack } from '../src/layers/stack.js';
import { Rng } from '../src/tensor/rng.js';
import { assertClose } from './helpers/compare.js';
import { closedForm, h0Value, lossWeightHn, lossWeightOutput, paramValue, xValue } from './helpers/golden.js';
import { kernelSets } from './helpers/kernel-sets.js';

interface NewCellCase {
  name: string; cell: CellKind; inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean;
  T: number; B: number; lengths: number[] | null; paramNames: string[];
  output: number[]; h_n: number[]; grads: Record<string, number[]>; dx: number[]; dh0: number[];
}

const DIR = fileURLToPath(new URL('../../test/fixtures/golden-newcells', import.meta.url));
const cases: NewCellCase[] = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as NewCellCase);
const sets = await kernelSets();

test('the fixtures cover every new cell, with a long case that takes the chunked scan', () => {
  for (const cell of ['indrnn', 'mingru', 'minlstm']) assert.equal(cases.filter((c) => c.cell === cell).length, 9, cell);
  const long = cases.find((c) => c.name === 'mingru_l1_uni_long')!;
  assert.ok(scanChunkLength(long.T, long.B * long.hiddenSize) > 0, 'the long case must reach the chunked scan');
});

for (const { label, kernels: k, tol } of sets) {
  test(`PyTorch goldens of IndRNN, minGRU and minLSTM on ${label} kernels (${cases.length} cases, both routes)`, async (t) => {
    let worst = 0, worstLong = 0;
    const close = (got: ArrayLike<number>, want: ArrayLike<number>, tl: number, what: string, long: boolean): void => {
      const e = assertClose(got, want, tl, what);
      if (long) worstLong = Math.max(worstLong, e); else worst = Math.max(worst, e);
    };
    for (const c of cases) {
      // full-length cases again with their lengths given: the layer then steps through the cell
      for (const route of c.lengths ? ['steps'] : ['whole', 'steps']) await t.test(`${c.name} ${route}`, () => {
        const stack = new RecurrentStack(k, {
          cell: c.cell, inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional,
        });
        assert.deepEqual(stack.params.map((p) => p.name), c.paramNames, 'parameter names and order');
        for (const p of stack.params) p.value.set(closedForm(p.value.length, (i) => paramValue(c.paramNames.indexOf(p.name), i)));
        const d = c.bidirectional ? 2 : 1;
        const put = (src: Float64Array) => { const a = k.alloc(src.length); a.set(src); return a; };
        const x = put(closedForm(c.T * c.B * c.inputSize, xValue));
        stack.setInitialState({ h: put(closedForm(c.numLayers * d * c.B * c.hiddenSize, h0Value)), c: null });
        const lengths = c.lengths ? Int32Array.from(c.lengths) : route === 'steps' ? new Int32Array(c.B).fill(c.T) : null;
        const y = stack.forward({ data: x, t: c.T, b: c.B, f: c.inputSize }, { training: false, rng: new Rng(0), lengths });
        // float32 over 300 steps: errors grow with the length of the chain of roundings
        const long = c.T > 100, tl = long && tol > 1e-8 ? 20 * tol : tol;
        close(y.data, c.output, tl, `${c.name} output`, long);
        const fin = stack.finalState();
        close(fin.h, c.h_n, tl, `${c.name} h_n`, long);
        const dx = stack.backwardWithState({ data: put(closedForm(y.data.length, lossWeightOutput)), t: c.T, b: c.B, f: y.f },
          { h: put(closedForm(fin.h.length, lossWeightHn)), c: null });
        for (const p of stack.params) close(p.grad, c.grads[p.name]!, tl, `${c.name} grad ${p.name}`, long);
        close(dx.data, c.dx, tl, `${c.name} dx`, long);
        close(stack.dInitial.h, c.dh0, tl, `${c.name} dh0`, long);
      });
    }
    t.diagnostic(`largest relative error against PyTorch (outputs, h_n, every gradient): T 5 cases ${worst.toExponential(2)}, T 300 cases ${worstLong.toExponential(2)}`);
  });
}
