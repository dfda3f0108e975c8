// Optimizers, schedules and clipping against PyTorch: fixtures from scripts/golden_optim.py
// (torch.optim in float64). Inputs are closed-form (see the script's header), so the same numbers
// are rebuilt here and checked against the recorded ones before use.

import { test } from 'node:test';
import { RecurError } from '../src/errors.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Param } from '../src/tensor/param.js';
import {
  Adam, AdamW, Adagrad, RMSprop, SGD, createOptimizer, type AnyOptimizer, type OptimizerConfig,
} from '../src/train/optimizers.js';
import {
  OneCycleLR, ReduceLROnPlateau, StepLR, applySchedule, createSchedule, type Schedule, type ScheduleConfig,
} from '../src/train/schedules.js';
import { AdaptiveClipper, clipGradNormInPlace, clipGradValueInPlace } from '../src/train/clip.js';

type Values = Record<string, number[]>;
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/optim/${name}.json`, import.meta.url), 'utf8')) as T;

const inputs = fixture<{ shapes: Record<string, number[]>; init: Values; grads: Values[] }>('inputs');
const optimCases = fixture<{ cases: { name: string; config: OptimizerConfig; schedule?: ScheduleConfig; steps: Values[] }[] }>('optimizers').cases;
const sched = fixture<{ baseLr: number; steps: number; metrics: number[]; cases: { name: string; config: ScheduleConfig; lr: number[]; momentum?: number[] }[] }>('schedules');
const clipCases = fixture<{ cases: { name: string; fn: 'norm' | 'value'; maxNorm?: number; normType?: number | 'inf'; clipValue?: number; totalNorm?: number; grads: Values }[] }>('clip').cases;

const NAMES = ['p0', 'p1'] as const;
type DType = 'float64' | 'float32';

function makeParams(dtype: DType): Param[] {
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  return NAMES.map((name) => ({
    name, shape: inputs.shapes[name]!, value: Arr.from(inputs.init[name]!), grad: new Arr(inputs.init[name]!.length),
  }));
}

function setGrads(params: Param[], step: number): void {
  for (const p of params) p.grad.set(inputs.grads[step - 1]![p.name]!);
}

/**
 * max |a − b| / max(|b|, floor). With floor 0 it is the plain elementwise relative error (float64).
 * For float32 runs the floor is the reference's largest magnitude: float32 rounding of the inputs
 * makes an error of a few 1e-7 of the param's scale, which is large relative to an entry that a
 * sum happens to bring close to zero.
 */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    const e = d === 0 ? 0 : d / Math.max(Math.abs(b[i]!), floor);
    worst = Math.max(worst, Number.isNaN(e) ? Infinity : e);
  }
  return worst;
}

const maxAbs = (b: readonly number[]): number => b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);


test('inputs: the closed-form formulas reproduce the recorded inputs', () => {
  const init = (name: string, k: number) => (name === 'p0' ? 0.5 * Math.cos(0.37 * k) : 0.5 * Math.sin(0.61 * k + 0.2));
  for (const name of NAMES) {
    assert.ok(relErr(inputs.init[name]!.map((_, k) => init(name, k)), inputs.init[name]!) < 1e-14);
  }
  inputs.grads.forEach((g, i) => {
    const s = i + 1;
    NAMES.forEach((name, m) => {
      const mine = g[name]!.map((_, k) => Math.cos(0.3 * k + 0.7 * s + m) * (1 + 0.1 * s));
      assert.ok(relErr(mine, g[name]!) < 1e-14, `${name} step ${s}`);
    });
  });
});

/** Runs steps [from, to] of a case on the given params and optimizer, calling `check` after each. */
function run(params: Param[], opt: AnyOptimizer, schedule: Schedule | undefined, from: number, to: number,
  check?: (step: number) => void): void {
  for (let s = from; s <= to; s++) {
    setGrads(params, s);
    if (schedule) applySchedule(schedule, opt);
    opt.step(params);
    schedule?.step();
    check?.(s);
  }
}

for (const c of optimCases) {
  for (const [dtype, tol] of [['float64', 1e-10], ['float32', 1e-5]] as const) {
    test(`${c.name} (${dtype}) matches torch.optim after each of ${c.steps.length} steps`, (t) => {
      const params = makeParams(dtype);
      const opt = createOptimizer(c.config);
      const schedule = c.schedule ? createSchedule(c.schedule, opt.lr) : undefined;
      let worst = 0;
      run(params, opt, schedule, 1, c.steps.length, (s) => {
        for (const p of params) {
          const ref = c.steps[s - 1]![p.name]!;
          const e = relErr(p.value, ref, dtype === 'float64' ? 0 : maxAbs(ref));
          assert.ok(e <= tol, `${p.name} after step ${s}: relative error ${e}`);
          worst = Math.max(worst, e);
        }
      });
      t.diagnostic(`max rel err ${worst.toExponential(2)}`);
    });
  }

  test(`${c.name}: state() and loadState() into a fresh optimizer continue bit for bit`, () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const straight = makeParams(dtype);
      const optA = createOptimizer(c.config);
      const schedA = c.schedule ? createSchedule(c.schedule, optA.lr) : undefined;
      run(straight, optA, schedA, 1, 20);

      const first = makeParams(dtype);
      const optB = createOptimizer(c.config);
      const schedB = c.schedule ? createSchedule(c.schedule, optB.lr) : undefined;
      run(first, optB, schedB, 1, 9);
      // Through JSON, as a checkpoint file would carry it.
      const saved = JSON.parse(JSON.stringify({ opt: optB.state(), sched: schedB?.state() }));
      const resumed = makeParams(dtype);
      resumed.forEach((p, i) => p.value.set(first[i]!.value));
      const optC = createOptimizer(c.config);
      optC.loadState(saved.opt);
      const schedC = c.schedule ? createSchedule(c.schedule, optC.lr) : undefined;
      if (schedC) schedC.loadState(saved.sched);
      run(resumed, optC, schedC, 10, 20);
      resumed.forEach((p, i) => assert.deepEqual(p.value, straight[i]!.value, `${dtype} ${p.name}`));
      assert.deepEqual(optC.state(), optA.state());
    }
  });
}

test('a NaN guard can snapshot the state, drop a bad step and continue as if it never happened', () => {
  for (const config of optimCases.map((c) => c.config)) {
    const straight = makeParams('float64');
    const optA = createOptimizer(config);
    run(straight, optA, undefined, 1, 8);

    const params = makeParams('float64');
    const opt = createOptimizer(config);
    run(params, opt, undefined, 1, 4);
    const snap = opt.state();
    const values = params.map((p) => p.value.slice());
    for (const p of params) p.grad.fill(NaN);
    opt.step(params);
    assert.ok(params.every((p) => p.value.some(Number.isNaN)), `${config.kind}: the bad step wrote NaN`);
    opt.loadState(snap);
    params.forEach((p, i) => p.value.set(values[i]!));
    run(params, opt, undefined, 5, 8);
    params.forEach((p, i) => assert.deepEqual(p.value, straight[i]!.value, `${config.kind} ${p.name}`));
  }
});

test('state(): a copy, kept before the first step, and keyed safely by any param name', () => {
  const opt = new Adam({ lr: 0.01 });
  const params = makeParams('float64');
  run(params, opt, undefined, 1, 2);
  const snap = opt.state();
  const before = JSON.stringify(snap);
  run(params, opt, undefined, 3, 3);
  assert.equal(JSON.stringify(snap), before);
  assert.equal(snap.params['p0']!.step, 2);
  assert.deepEqual(Object.keys(snap.params['p0']!.buffers).sort(), ['exp_avg', 'exp_avg_sq']);

  const fresh = new Adam();
  fresh.loadState(snap);
  assert.equal(JSON.stringify(fresh.state()), before);

  const odd: Param = { name: '__proto__', shape: [2], value: new Float64Array([1, 2]), grad: new Float64Array([0.5, -0.5]) };
  const sgd = new SGD({ lr: 0.1, momentum: 0.9 });
  sgd.step([odd]);
  const s = JSON.parse(JSON.stringify(sgd.state()));
  assert.deepEqual(s.params['__proto__'].buffers.momentum_buffer, [0.5, -0.5]);
  const other = new SGD({ lr: 0.1, momentum: 0.9 });
  other.loadState(s);
  assert.deepEqual(other.state().params['__proto__']!.buffers['momentum_buffer'], [0.5, -0.5]);
  assert.throws(() => new SGD({ lr: 0.1 }).loadState(new Adam().state()), /SGD: state.kind must be 'sgd', received adam/);
  const broken = JSON.parse(JSON.stringify(snap).replace(/"exp_avg":\[[^,]*/, '"exp_avg":[null'));
  assert.throws(() => fresh.loadState(broken), /Adam: state of p0.exp_avg must be an array of numbers, received \[null,/);
  assert.equal(JSON.stringify(fresh.state()), before, 'a rejected state leaves the old one in place');
});

test('CLI kinds momentum and nesterov are SGD with momentum 0.9', () => {
  const nesterov = optimCases.find((c) => c.name === 'sgd_nesterov')!;
  const opt = createOptimizer({ kind: 'nesterov', lr: 0.1 });
  assert.ok(opt instanceof SGD && opt.nesterov && opt.momentum === 0.9);
  const params = makeParams('float64');
  run(params, opt, undefined, 1, 20);
  for (const p of params) assert.ok(relErr(p.value, nesterov.steps[19]![p.name]!) < 1e-10);
  const m = createOptimizer({ kind: 'momentum', lr: 0.1 });
  assert.ok(m instanceof SGD && !m.nesterov && m.momentum === 0.9);
});

test('bad hyperparameters throw errors that name the field, what was expected and what was received', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => new SGD({ lr: -0.1 }), /SGD: lr must be a finite number >= 0, received -0.1/],
    [() => new SGD({ lr: NaN }), /SGD: lr must be .*received NaN/],
    [() => new SGD({ lr: 0.1, momentum: -1 }), /SGD: momentum must be a finite number >= 0, received -1/],
    [() => new SGD({ lr: 0.1, nesterov: true }), /SGD: momentum must be > 0 with nesterov, received 0/],
    [() => new SGD({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /SGD: dampening must be 0 with nesterov, received 0.1/],
    [() => new Adam({ betas: [1, 0.999] }), /Adam: betas\[0\] must be in \[0, 1\), received 1/],
    [() => new Adam({ betas: [0.9, -0.1] }), /Adam: betas\[1\] must be in \[0, 1\), received -0.1/],
    [() => new Adam({ eps: 0 }), /Adam: eps must be a finite number > 0, received 0/],
    [() => new AdamW({ weightDecay: -0.01 }), /AdamW: weightDecay must be a finite number >= 0, received -0.01/],
    [() => new RMSprop({ alpha: 1.5 }), /RMSprop: alpha must be in \[0, 1\], received 1.5/],
    [() => new Adagrad({ lrDecay: -1 }), /Adagrad: lrDecay must be a finite number >= 0, received -1/],
    [() => new Adagrad({ initialAccumulatorValue: -1 }), /Adagrad: initialAccumulatorValue must be .*received -1/],
    [() => createOptimizer({ kind: 'lamb' } as unknown as OptimizerConfig), /createOptimizer: kind must be sgd, .*received lamb/],
    [() => new StepLR(0.1, 0), /StepLR: stepSize must be an integer >= 1, received 0/],
    [() => createSchedule({ kind: 'cosine', tMax: 10, warmup: { iters: 0 } }, 0.1), /LinearWarmup: warmup.iters must be an integer >= 1, received 0/],
    [() => new ReduceLROnPlateau(0.1, { factor: 1 }), /ReduceLROnPlateau: factor must be in \[0, 1\), received 1/],
    [() => new ReduceLROnPlateau(0.1, { mode: 'up' as 'min' }), /ReduceLROnPlateau: mode must be 'min' or 'max', received up/],
    [() => new ReduceLROnPlateau(0.1).step(), /ReduceLROnPlateau: metric must be a number, received undefined/],
    [() => new OneCycleLR({ maxLr: 0.1, totalSteps: 10, pctStart: 1.2 }), /OneCycleLR: pctStart must be in \[0, 1\], received 1.2/],
    [() => createSchedule({ kind: 'warm' } as unknown as ScheduleConfig, 0.1), /createSchedule: kind must be .*received warm/],
    [() => applySchedule(new OneCycleLR({ maxLr: 0.1, totalSteps: 10 }), new Adagrad()), /applySchedule: optimizer must be one with momentum or betas to cycle, received adagrad/],
    [() => clipGradNormInPlace(makeParams('float64'), 0), /clipGradNormInPlace: maxNorm must be a finite number > 0, received 0/],
    [() => clipGradNormInPlace(makeParams('float64'), 1, -2), /clipGradNormInPlace: normType must be a number > 0 or Infinity, received -2/],
    [() => clipGradValueInPlace(makeParams('float64'), -1), /clipGradValueInPlace: clipValue must be a finite number > 0, received -1/],
    [() => new AdaptiveClipper({ decay: 1 }), /AdaptiveClipper: decay must be in \[0, 1\), received 1/],
  ];
  for (const [fn, message] of cases) assert.throws(fn, (e: unknown) => e instanceof RecurError && message.test(e.message), String(message));
});

// ---- schedules --------------------------------------------------------------------------------

const metricAt = (c: { config: ScheduleConfig }, n: number) =>
  (c.config.kind === 'plateau' && c.config.mode === 'max' ? -1 : 1) * sched.metrics[n]!;

for (const c of sched.cases) {
  test(`schedule ${c.name} matches torch.optim.lr_scheduler for ${sched.steps} steps`, (t) => {
    const s = createSchedule(c.config, sched.baseLr);
    let worst = 0;
    for (let n = 0; n < sched.steps; n++) {
      assert.equal(s.stepCount, n);
      const e = relErr([s.lr], [c.lr[n]!]);
      assert.ok(e < 1e-12, `lr at step ${n}: ${s.lr} vs ${c.lr[n]} (rel ${e})`);
      worst = Math.max(worst, e);
      if (c.momentum) assert.ok(relErr([s.momentum!], [c.momentum[n]!]) < 1e-12, `momentum at ${n}`);
      else assert.equal(s.momentum, undefined);
      s.step(metricAt(c, n));
    }
    t.diagnostic(`max rel err ${worst.toExponential(2)}`);
  });

  test(`schedule ${c.name}: state() and loadState() resume identically`, () => {
    const a = createSchedule(c.config, sched.baseLr);
    for (let n = 0; n < 13; n++) a.step(metricAt(c, n));
    const b = createSchedule(c.config, sched.baseLr);
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    for (let n = 13; n < sched.steps; n++) {
      assert.equal(b.lr, a.lr);
      assert.equal(b.momentum, a.momentum);
      a.step(metricAt(c, n));
      b.step(metricAt(c, n));
    }
  });
}

test('warm-up in front of ReduceLROnPlateau ignores metrics, then runs it from its own step 0', () => {
  const plain = sched.cases.find((c) => c.name === 'plateau_min_rel')!;
  const s = createSchedule({ ...plain.config, warmup: { iters: 3, startFactor: 0.4 } }, sched.baseLr);
  for (let n = 0; n < sched.steps; n++) {
    const expected = n < 3 ? sched.baseLr * (0.4 + (0.6 * n) / 3) : plain.lr[n - 3]!;
    assert.ok(relErr([s.lr], [expected]) < 1e-15, `step ${n}: ${s.lr} vs ${expected}`);
    s.step(n < 3 ? 1e9 : sched.metrics[n - 3]!);
  }
});

test('OneCycleLR refuses to step past totalSteps, as PyTorch does', () => {
  const s = new OneCycleLR({ maxLr: 0.1, totalSteps: 4 });
  for (let n = 0; n < 4; n++) s.step();
  assert.ok(Number.isFinite(s.lr));
  assert.throws(() => s.step(), /OneCycleLR: step count must be <= totalSteps \(4\), received 5/);
});

test('applySchedule cycles SGD momentum and Adam beta1, keeping beta2', () => {
  const s = new OneCycleLR({ maxLr: 0.1, totalSteps: 10 });
  s.step();
  const sgd = new SGD({ lr: 1, momentum: 0.5 });
  const adam = new Adam({ betas: [0.9, 0.98] });
  applySchedule(s, sgd);
  applySchedule(s, adam);
  assert.equal(sgd.lr, s.lr);
  assert.equal(sgd.momentum, s.momentum);
  assert.deepEqual(adam.betas, [s.momentum, 0.98]);
});

// ---- clipping ---------------------------------------------------------------------------------

for (const c of clipCases) {
  test(`clip ${c.name} matches torch.nn.utils, returned norm included`, (t) => {
    for (const [dtype, tol] of [['float64', 1e-12], ['float32', 1e-6]] as const) {
      const params = makeParams(dtype);
      setGrads(params, 1);
      if (c.fn === 'norm') {
        const normType = c.normType === 'inf' ? Infinity : c.normType!;
        const norm = clipGradNormInPlace(params, c.maxNorm!, normType);
        assert.ok(relErr([norm], [c.totalNorm!]) < tol, `${dtype} norm ${norm} vs ${c.totalNorm}`);
        if (dtype === 'float64') t.diagnostic(`norm rel err ${relErr([norm], [c.totalNorm!]).toExponential(2)}`);
      } else {
        assert.ok(clipGradValueInPlace(params, c.clipValue!) > 0);
      }
      for (const p of params) {
        const ref = c.grads[p.name]!;
        assert.ok(relErr(p.grad, ref, dtype === 'float64' ? 0 : maxAbs(ref)) < tol, `${dtype} ${p.name}`);
      }
    }
  });
}

test('a non-finite total norm is returned and the gradients are left untouched', () => {
  for (const [bad, expected] of [[NaN, NaN], [Infinity, Infinity], [-Infinity, Infinity]] as const) {
    for (const normType of [2, Infinity]) {
      const params = makeParams('float64');
      setGrads(params, 1);
      params[1]!.grad[2] = bad;
      const before = params.map((p) => Array.from(p.grad));
      assert.equal(clipGradNormInPlace(params, 1, normType), expected);
      params.forEach((p, i) => assert.deepEqual(Array.from(p.grad), before[i]));
      const r = new AdaptiveClipper({ warmupSteps: 1 }).clipInPlace(params);
      assert.equal(r.norm, expected);
      assert.equal(r.clipped, false);
      params.forEach((p, i) => assert.deepEqual(Array.from(p.grad), before[i]));
    }
  }
  const huge: Param = { name: 'h', shape: [2], value: new Float64Array(2), grad: new Float64Array([3e200, 4e200]) };
  assert.ok(relErr([clipGradNormInPlace([huge], 1)], [5e200]) < 1e-15, 'squares overflow, the norm does not');
});

test('AdaptiveClipper: unclipped during warm-up, then clips a spike at K times the running average', () => {
  const clipper = new AdaptiveClipper({ factor: 2, decay: 0.9, warmupSteps: 5 });
  const grad = (scale: number): Param[] => {
    const params = makeParams('float64');
    setGrads(params, 1);
    for (const p of params) for (let i = 0; i < p.grad.length; i++) p.grad[i] = p.grad[i]! * scale;
    return params;
  };
  const base = grad(1);
  const norm = Math.hypot(...base.flatMap((p) => Array.from(p.grad)));
  for (let i = 0; i < 5; i++) {
    const r = clipper.clipInPlace(grad(1));
    assert.deepEqual([r.clipped, r.threshold], [false, Infinity]);
    assert.ok(relErr([r.norm], [norm]) < 1e-14);
  }
  // Constant norms: the bias-corrected geometric average is that norm.
  assert.ok(relErr([clipper.threshold], [2 * norm]) < 1e-12);
  const spike = grad(100);
  const r = clipper.clipInPlace(spike);
  assert.ok(r.clipped && relErr([r.threshold], [2 * norm]) < 1e-12);
  const after = Math.hypot(...spike.flatMap((p) => Array.from(p.grad)));
  assert.ok(Math.abs(after - r.threshold) < 1e-6 * r.threshold, `clipped to ${after}`);
  // One spike moves the threshold by 100^(1 − decay) only.
  assert.ok(relErr([clipper.threshold], [2 * norm * 100 ** (0.1 / (1 - 0.9 ** 6))]) < 1e-12);
  const copy = new AdaptiveClipper({ factor: 2, decay: 0.9, warmupSteps: 5 });
  copy.loadState(JSON.parse(JSON.stringify(clipper.state())));
  assert.equal(copy.threshold, clipper.threshold);
  assert.equal(new AdaptiveClipper({ factor: 0.5 }).factor, 0.5);
});
