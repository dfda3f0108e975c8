// The wasm whole-loop kernels (loopForward / loopBackward): the same bits as the layer's
// step-by-step calls, with 1 thread and with the batch rows split over 2 threads, for every cell,
// both directions, with and without output gradients. And the worker pool keeps every chunk when
// jobs with different chunk counts follow each other (a worker late for a 2-chunk job once
// dropped a chunk of the next 4-chunk job on a stale count, and the caller waited forever).

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { CellKind } from '../src/cells/cell.js';
import type { Float, Kernels, LoopKernels } from '../src/kernels/types.js';
import type { WasmKernels } from '../src/kernels/wasm.js';
import { createWasmKernels } from '../src/node/kernels.js';
import { Rng } from '../src/tensor/rng.js';

const one = await createWasmKernels({ threads: 1 });
const two = await createWasmKernels({ threads: 2, parallelMinMacs: 1, parallelMinElements: 1, adaptive: false });
after(() => { one.close(); two.close(); });

const T = 7, B = 13, H = 9, I = 5;
const G: Record<CellKind, number> = { rnn: 1, lstm: 4, gru: 3 };

interface Run { hs: Float32Array; cs: Float32Array; gates: Float32Array; gh: Float32Array; dGates: Float32Array; dGh: Float32Array; dh0: Float32Array; dc: Float32Array }

/** Forward then backward over random data, fused or step by step, on kernel set k. */
function run(k: WasmKernels, kind: CellKind, reverse: boolean, withDy: boolean, fused: boolean): Run {
  const rng = new Rng(11);
  const g = G[kind] * H;
  const buf = (n: number, scale = 0): Float => { const a = k.alloc(n); for (let i = 0; i < n; i++) a[i] = scale ? (rng.uniform() * 2 - 1) * scale : 0; return a; };
  const gates = buf(T * B * g, 1), hs = buf((T + 1) * B * H), cs = buf(kind === 'lstm' ? (T + 1) * B * H : 0);
  const gh = buf(kind === 'gru' ? T * B * g : 0), whh = buf(g * H, 0.4), bhh = buf(g, 0.3);
  const dGates = buf(T * B * g), dGh = buf(kind === 'gru' ? T * B * g : 0);
  const dy = withDy ? buf(T * B * 2 * H + 3, 1) : null;
  let dh = buf(B * H, 1), dhPrev = buf(B * H), dc = buf(kind === 'lstm' ? B * H : 0, 0.5);
  const start = reverse ? T : 0;
  for (let i = 0; i < B * H; i++) { hs[start * B * H + i] = rng.uniform() - 0.5; if (kind === 'lstm') cs[start * B * H + i] = rng.uniform() - 0.5; }
  const whhT = k.packB(true, H, g, whh, 0, H), whhP = k.packB(false, g, H, whh, 0, H);
  const act = 'tanh' as const;
  const cell = { kind, act, leak: 0 };
  if (fused) {
    k.loopForward({ ...cell, t: T, b: B, h: H, reverse, gates, hs, cs, gh, bhh, whhT });
    (k as Kernels & LoopKernels).loopBackward({ ...cell, t: T, b: B, h: H, reverse, gates, hs, cs, gh, dGates, dGh, dhA: dh, dhB: dhPrev, dc, whh: whhP, dy, dyOff: 3 + (reverse ? H : 0), dyLd: 2 * H });
    if (T % 2 === 1) [dh, dhPrev] = [dhPrev, dh];
  } else {
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s, prev = reverse ? t + 1 : t, cur = reverse ? t : t + 1;
      if (kind === 'rnn') {
        k.gemmPackedB(false, B, H, H, 1, hs, prev * B * H, H, whhT, 1, gates, t * B * H, H);
        k.activationForward(act, 0, B * H, gates, t * B * H, hs, cur * B * H);
      } else if (kind === 'lstm') {
        k.gemmPackedB(false, B, g, H, 1, hs, prev * B * H, H, whhT, 1, gates, t * B * g, g);
        k.lstmForward(B, H, gates, t * B * g, cs, prev * B * H, cs, cur * B * H, hs, cur * B * H);
      } else {
        k.fillRows(B, g, bhh, 0, gh, t * B * g, g);
        k.gemmPackedB(false, B, g, H, 1, hs, prev * B * H, H, whhT, 1, gh, t * B * g, g);
        k.gruForward(B, H, gates, t * B * g, gh, t * B * g, hs, prev * B * H, hs, cur * B * H);
      }
    }
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s, prev = reverse ? t + 1 : t, cur = reverse ? t : t + 1;
      if (dy) for (let r = 0; r < B; r++) for (let j = 0; j < H; j++) dh[r * H + j] += dy[3 + (reverse ? H : 0) + (t * B + r) * 2 * H + j];
      if (kind === 'rnn') {
        k.activationBackward(act, 0, B * H, hs, cur * B * H, dh, 0, dGates, t * B * H);
        k.gemmPackedB(false, B, H, H, 1, dGates, t * B * H, H, whhP, 0, dhPrev, 0, H);
      } else if (kind === 'lstm') {
        k.lstmBackward(B, H, gates, t * B * g, cs, prev * B * H, cs, cur * B * H, dh, 0, dc, 0, dGates, t * B * g);
        k.gemmPackedB(false, B, H, g, 1, dGates, t * B * g, g, whhP, 0, dhPrev, 0, H);
      } else {
        k.gruBackward(B, H, gates, t * B * g, gh, t * B * g, hs, prev * B * H, dh, 0, dGates, t * B * g, dGh, t * B * g, dhPrev, 0);
        k.gemmPackedB(false, B, H, g, 1, dGh, t * B * g, g, whhP, 1, dhPrev, 0, H);
      }
      [dh, dhPrev] = [dhPrev, dh];
    }
  }
  const copy = (a: Float) => Float32Array.from(a);
  return { hs: copy(hs), cs: copy(cs), gates: copy(gates), gh: copy(gh), dGates: copy(dGates), dGh: copy(dGh), dh0: copy(dh), dc: copy(dc) };
}

function sameBits(what: string, a: Run, b: Run): void {
  for (const key of Object.keys(a) as (keyof Run)[]) {
    assert.equal(a[key].length, b[key].length, `${what} ${key} length`);
    for (let i = 0; i < a[key].length; i++) {
      if (!Object.is(a[key][i], b[key][i])) assert.fail(`${what}: ${key}[${i}] ${a[key][i]} vs ${b[key][i]}`);
    }
  }
}

test('loop kernels give the bits of the step-by-step calls, on 1 and 2 threads', (t) => {
  const workerBefore = two.threadStats().workerChunks;
  for (const kind of ['rnn', 'lstm', 'gru'] as const) {
    for (const reverse of [false, true]) {
      for (const withDy of [false, true]) {
        const what = `${kind} ${reverse ? 'reverse' : 'forward'} ${withDy ? 'dy' : 'no dy'}`;
        const ref = run(one, kind, reverse, withDy, false);
        assert.ok(ref.dh0.some((v) => v !== 0), `${what}: the gradient reaches the initial state`);
        sameBits(`${what}, fused 1 thread`, ref, run(one, kind, reverse, withDy, true));
        const before = two.threadStats().splitCalls;
        sameBits(`${what}, fused 2 threads`, ref, run(two, kind, reverse, withDy, true));
        assert.ok(two.threadStats().splitCalls >= before + 2, `${what}: both loops were split over threads`);
      }
    }
  }
  // Which thread runs a share depends on timing, the bits do not. On a machine busier than its
  // cores (test files run in parallel) the calling thread may run every share itself.
  t.diagnostic(`the worker thread ran ${two.threadStats().workerChunks - workerBefore} shares of the split loops`);
});

test('the pool keeps every chunk when 2-chunk and 4-chunk jobs alternate', () => {
  const k = two;
  const h = 16, b = 16, g = 4 * h, t = 3;
  const gates = k.alloc(t * b * g), hs = k.alloc((t + 1) * b * h), cs = k.alloc((t + 1) * b * h), w = k.alloc(g * h);
  const whhT = k.packB(true, h, g, w, 0, h);
  const a = k.alloc(64 * 64), c = k.alloc(64 * 64);
  for (let i = 0; i < 2000; i++) {
    k.loopForward({ kind: 'lstm', act: 'tanh', leak: 0, t, b, h, reverse: false, gates, hs, cs, gh: k.alloc(0), bhh: w, whhT });
    k.gemm(false, false, 64, 64, 64, 1, a, 0, 64, a, 0, 64, 0, c, 0, 64);
  }
  assert.ok(two.threadStats().splitCalls >= 4000);
});

test('fillRows split over threads fills every row, inside the rows only', () => {
  const m = 301, n = 37, ldc = 41, off = 5;
  const v = two.alloc(n), c = two.alloc(off + m * ldc + 3);
  for (let j = 0; j < n; j++) v[j] = j + 0.5;
  c.fill(-1);
  const before = two.threadStats().splitCalls;
  two.fillRows(m, n, v, 0, c, off, ldc);
  assert.ok(two.threadStats().splitCalls > before, 'the fill was split');
  for (let i = 0; i < c.length; i++) {
    const r = Math.floor((i - off) / ldc), j = (i - off) % ldc;
    const inside = i >= off && r < m && j < n;
    assert.equal(c[i], inside ? j + 0.5 : -1, `element ${i} (row ${r}, column ${j})`);
  }
});
