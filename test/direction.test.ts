// The direction controller (layers/direction.ts) builds what a cell's description declares. The
// three built-in cells use a matrix W_hh; the cells that come next do not (IndRNN a vector u,
// minGRU/minLSTM none). A test cell with a vector recurrent weight and no b_hh,
//   h_t = tanh(W_ih x_t + b_ih + u ⊙ h_{t−1}),
// checks that the controller makes exactly the declared parameters and that its weight gradients
// (du = Σ dP ⊙ h_{t−1} in place of the dW_hh gemm) agree with float64 finite differences, both
// directions, through RecurrentLayer's step route.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CellBase, type Cell, type CellSpec, type DirectionWeights, type DirectionWorkspace } from '../src/cells/cell.js';
import { gradCheck } from '../src/diagnostics/gradcheck.js';
import { JsKernels } from '../src/kernels/js.js';
import type { Kernels } from '../src/kernels/types.js';
import { RecurrentLayer } from '../src/layers/recurrent.js';
import { Rng } from '../src/tensor/rng.js';

const VECTOR: CellSpec = {
  kind: 'rnn', // the controller never reads the kind; this cell is in no table
  gates: [{ name: 'h', act: 'tanh', stored: 'pre' }],
  forgetGate: null,
  states: 1,
  recurrent: 'vector',
  hiddenBias: 'none',
  activations: null,
  onnx: null,
  create: () => new VectorCell(),
};

class VectorCell extends CellBase implements Cell {
  readonly loop = null;
  constructor() { super(VECTOR); }
  stepForward(_k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void {
    for (let r = 0; r < b; r++) {
      for (let j = 0; j < h; j++) {
        const p = t * b * h + r * h + j;
        ws.gates[p] += w.whh[j] * ws.hs[(prev * b + r) * h + j];
        ws.hs[(cur * b + r) * h + j] = Math.tanh(ws.gates[p]);
      }
    }
  }
  stepBackward(_k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, _prev: number, cur: number): void {
    for (let r = 0; r < b; r++) {
      for (let j = 0; j < h; j++) {
        const y = ws.hs[(cur * b + r) * h + j], i = r * h + j;
        const dp = ws.dh[i] * (1 - y * y);
        ws.dGates[t * b * h + i] = dp;
        ws.dhPrev[i] = dp * w.whh[j];
      }
    }
  }
}

test('the controller makes the declared parameters: a vector recurrent weight, no b_hh', () => {
  const layer = new RecurrentLayer(new JsKernels('float64'), VECTOR.create('tanh', 0), 2, 3, 0, true);
  assert.deepEqual(layer.params.map((p) => `${p.name} ${p.shape.join('×')}`), [
    'weight_ih_l0 3×2', 'weight_hh_l0 3', 'bias_ih_l0 3', 'weight_ih_l0_reverse 3×2', 'weight_hh_l0_reverse 3', 'bias_ih_l0_reverse 3',
  ]);
  assert.deepEqual(layer.gateParams.map((p) => p.role), ['input', 'recurrent', 'input_bias', 'input', 'recurrent', 'input_bias']);
});

test('gradient check: a vector recurrent weight, both directions, initial state and input gradients', () => {
  const k = new JsKernels('float64');
  const T = 5, B = 3, I = 2, H = 3;
  const layer = new RecurrentLayer(k, VECTOR.create('tanh', 0), I, H, 0, true);
  const rng = new Rng(21);
  for (const p of layer.params) for (let i = 0; i < p.value.length; i++) p.value[i] = rng.normal() * 0.6;
  const x = Float64Array.from({ length: T * B * I }, () => rng.normal());
  const h0 = Float64Array.from({ length: 2 * B * H }, () => rng.normal() * 0.5);
  const R = Float64Array.from({ length: T * B * 2 * H }, () => rng.normal());
  const loss = (): number => {
    layer.forward(x, 0, T, B, h0, null, null);
    let s = 0;
    for (let i = 0; i < R.length; i++) s += layer.y.data[i] * R[i];
    return s;
  };
  loss();
  const dh0 = new Float64Array(2 * B * H);
  layer.backward(R, 0, null, null, dh0, null);
  const targets = [
    ...layer.params.map((p) => ({ name: p.name, value: p.value, grad: Float64Array.from(p.grad) })),
    { name: 'x', value: x, grad: Float64Array.from(layer.dx.data) },
    { name: 'h0', value: h0, grad: dh0 },
  ];
  const u = targets.find((q) => q.name === 'weight_hh_l0')!;
  assert.ok(u.grad.every((v) => v !== 0), 'the vector weight gets a gradient');
  const r = gradCheck(loss, targets);
  assert.ok(r.maxRelError < 1e-6, `${r.maxRelError} at ${JSON.stringify(r.worst)}`);
});
