// The float64 gradient check of a whole model, shared by the test files: the loss is a fixed
// random projection of the outputs and final states (plus the model's auxiliary loss, e.g. a
// Skip RNN's budget), and every parameter, the input and the initial states are checked against
// five-point central differences. Dropout masks are the same in every forward (the model's RNG is
// reset before each), so the loss is a deterministic function of the weights.

import assert from 'node:assert/strict';
import { gradCheck, type GradCheckTarget } from '../../src/diagnostics/gradcheck.js';
import type { Seq } from '../../src/layers/layer.js';
import type { ForwardOptions, Sequential } from '../../src/model/sequential.js';
import type { Rng } from '../../src/tensor/rng.js';

export const GRADCHECK_TOL = 1e-6;

export function randn(n: number, rng: Rng, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

export interface ModelCheck {
  name: string;
  model: Sequential;
  x: Float64Array;
  t: number;
  b: number;
  lengths?: ForwardOptions['lengths'];
  state?: { h: Float64Array; c: Float64Array | null } | null;
  training?: boolean;
}

/** Largest relative error of the model's analytic gradient; fails the test above GRADCHECK_TOL. */
export function checkModelGradients(c: ModelCheck, rng: Rng): number {
  const { model, x, t, b } = c;
  const config = model.config;
  const per = (config.numLayers ?? 1) * (config.bidirectional ? 2 : 1) * b * config.hiddenSize;
  const rngState = model.rng.getState();
  const run = (): Seq => {
    model.rng.setState(rngState);
    return model.forward(x, t, b, { lengths: c.lengths ?? null, state: c.state ?? null, training: c.training });
  };
  const y0 = run();
  const R = randn(y0.data.length, rng), Rh = randn(per, rng), Rc = randn(per, rng);
  const loss = (): number => {
    const y = run();
    let s = model.auxLoss();
    for (let i = 0; i < R.length; i++) s += y.data[i] * R[i];
    const fin = model.finalState();
    for (let i = 0; i < per; i++) s += fin.h[i] * Rh[i] + (fin.c ? fin.c[i] * Rc[i] : 0);
    return s;
  };
  model.zeroGrad();
  const y = run();
  const dx = model.backward({ data: R, t: y.t, b: y.b, f: y.f }, { h: Rh, c: config.cell === 'lstm' ? Rc : null });
  const targets: GradCheckTarget[] = model.params.map((p) => ({ name: p.name, value: p.value, grad: Float64Array.from(p.grad) }));
  targets.push({ name: 'x', value: x, grad: Float64Array.from(dx!.data) });
  if (c.state) {
    targets.push({ name: 'h0', value: c.state.h, grad: Float64Array.from(model.dInitialState.h) });
    if (c.state.c) targets.push({ name: 'c0', value: c.state.c, grad: Float64Array.from(model.dInitialState.c) });
  }
  const r = gradCheck(loss, targets);
  assert.ok(r.checked > 50, `${c.name}: only ${r.checked} elements checked`);
  assert.ok(r.maxRelError < GRADCHECK_TOL, `${c.name}: max relative error ${r.maxRelError.toExponential(2)} at ${JSON.stringify(r.worst)}`);
  return r.maxRelError;
}
