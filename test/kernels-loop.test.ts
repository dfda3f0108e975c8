// The wasm whole-loop kernels (loopForward / loopBackward): the same bits as the cells' own
// stepForward / stepBackward (the layer's step route), with 1 thread and with the batch rows split
// over 2 threads, for every cell with a loop description, both directions, odd and even T, with
// and without output gradients. This is the parity test the cell files name: asm/loop.ts repeats
// their steps. The gradient-flow recording (each row's float64 sum of squares of ∂L/∂h_t) gives
// the bits of the same sums over the step route's dh, and leaves every other bit as it was. And the worker pool keeps every chunk when
// jobs with different chunk counts follow each other (a worker late for a 2-chunk job once
// dropped a chunk of the next 4-chunk job on a stale count, and the caller waited forever).

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { DirectionWeights, DirectionWorkspace } from '../src/cells/cell.js';
import { CELL_KINDS, makeCell, type CellKind } from '../src/cells/table.js';
import type { Float } from '../src/kernels/types.js';
import type { WasmKernels } from '../src/kernels/wasm.js';
import { createWasmKernels } from '../src/node/kernels.js';
import { Rng } from '../src/tensor/rng.js';

const one = await createWasmKernels({ threads: 1 });
const two = await createWasmKernels({ threads: 2, parallelMinMacs: 1, parallelMinElements: 1, adaptive: false });
after(() => { one.close(); two.close(); });

const H = 9;

interface Run { hs: Float32Array; cs: Float32Array; gates: Float32Array; gh: Float32Array; dGates: Float32Array; dGh: Float32Array; dh0: Float32Array; dc: Float32Array; flow: Float64Array }

/**
 * Forward then backward over T steps of random data on kernel set k: fused (the loop kernels, with
 * the cell's loop description) or the cell's own stepForward/stepBackward, as the layer's step
 * route calls them. Both leave the gradient reaching the initial state in dh. With `flow`, the
 * (T, B) sums of squares of ∂L/∂h_t's rows: the loop kernel's recording, or summed here in float64
 * (j in order) from the step route's dh.
 */
function run(k: WasmKernels, kind: CellKind, T: number, reverse: boolean, withDy: boolean, fused: boolean, B = 13, flow = false): Run {
  const rng = new Rng(11);
  const cell = makeCell({ cell: kind, activation: 'tanh' });
  const g = cell.gates * H;
  const buf = (n: number, scale = 0): Float => { const a = k.alloc(n); for (let i = 0; i < n; i++) a[i] = scale ? (rng.uniform() * 2 - 1) * scale : 0; return a; };
  const apart = cell.spec.hiddenBias === 'apart';
  const gates = buf(T * B * g, 1), hs = buf((T + 1) * B * H), cs = buf(cell.hasCellState ? (T + 1) * B * H : 0);
  const gh = buf(apart ? T * B * g : 0), whh = buf(g * H, 0.4), bhh = buf(g, 0.3);
  const dGates = buf(T * B * g), dGh = buf(apart ? T * B * g : 0);
  const dy = withDy ? buf(T * B * 2 * H + 3, 1) : null;
  const dh = buf(B * H, 1), dhPrev = buf(B * H), dc = buf(cell.hasCellState ? B * H : 0, 0.5);
  const start = reverse ? T : 0;
  for (let i = 0; i < B * H; i++) { hs[start * B * H + i] = rng.uniform() - 0.5; if (cell.hasCellState) cs[start * B * H + i] = rng.uniform() - 0.5; }
  const whhT = k.packB(true, H, g, whh, 0, H), whhP = k.packB(false, g, H, whh, 0, H);
  const dyOff = 3 + (reverse ? H : 0);
  const rows = flow ? k.alloc(2 * T * B) : null;
  const sums = new Float64Array(flow ? T * B : 0);
  if (fused) {
    k.loopForward({ cell: cell.loop!, t: T, b: B, h: H, reverse, gates, hs, cs, gh, bhh, whhT });
    k.loopBackward({ cell: cell.loop!, t: T, b: B, h: H, reverse, gates, hs, cs, gh, dGates, dGh, dhA: dh, dhB: dhPrev, dc, whh: whhP, dy, dyOff, dyLd: 2 * H, flow: rows });
    if (rows) sums.set(new Float64Array(rows.buffer, rows.byteOffset, T * B));
  } else {
    const none = k.alloc(0);
    const w: DirectionWeights = { wih: none, whh, bih: none, bhh, gWih: none, gWhh: none, gBih: none, gBhh: none };
    const ws: DirectionWorkspace = { gates, hs, cs, gh, dGates, dGh, dh, dhPrev, dc, whhT, whh: whhP, scan: null };
    const slots = (t: number) => (reverse ? [t + 1, t] : [t, t + 1]);
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s, [prev, cur] = slots(t);
      cell.stepForward(k, w, ws, B, H, t, prev, cur);
    }
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s, [prev, cur] = slots(t);
      if (dy) for (let r = 0; r < B; r++) for (let j = 0; j < H; j++) dh[r * H + j] += dy[dyOff + (t * B + r) * 2 * H + j];
      if (flow) for (let r = 0; r < B; r++) { let ss = 0; for (let j = 0; j < H; j++) ss += dh[r * H + j] * dh[r * H + j]; sums[t * B + r] = ss; }
      cell.stepBackward(k, w, ws, B, H, t, prev, cur);
      dh.set(dhPrev);
    }
  }
  const copy = (a: Float) => Float32Array.from(a);
  return { hs: copy(hs), cs: copy(cs), gates: copy(gates), gh: copy(gh), dGates: copy(dGates), dGh: copy(dGh), dh0: copy(dh), dc: copy(dc), flow: sums };
}

function sameBits(what: string, a: Run, b: Run): void {
  for (const key of Object.keys(a) as (keyof Run)[]) {
    assert.equal(a[key].length, b[key].length, `${what} ${key} length`);
    for (let i = 0; i < a[key].length; i++) {
      if (!Object.is(a[key][i], b[key][i])) assert.fail(`${what}: ${key}[${i}] ${a[key][i]} vs ${b[key][i]}`);
    }
  }
}

test('loop kernels give the bits of the cells\' own steps, on 1 and 2 threads', async (t) => {
  const workerBefore = two.threadStats().workerChunks;
  for (const kind of CELL_KINDS) {
    if (!makeCell({ cell: kind }).loop) continue;
    // an odd T ends the kernel's trading of dh and dhPrev on the scratch buffer, an even T does not
    for (const T of [7, 4]) {
      for (const reverse of [false, true]) {
        for (const withDy of [false, true]) {
          const what = `${kind} T ${T} ${reverse ? 'reverse' : 'forward'} ${withDy ? 'dy' : 'no dy'}`;
          await t.test(what, () => {
            const ref = run(one, kind, T, reverse, withDy, false);
            assert.ok(ref.dh0.some((v) => v !== 0), `${what}: the gradient reaches the initial state`);
            sameBits(`${what}, fused 1 thread`, ref, run(one, kind, T, reverse, withDy, true));
            const before = two.threadStats().splitCalls;
            sameBits(`${what}, fused 2 threads`, ref, run(two, kind, T, reverse, withDy, true));
            assert.ok(two.threadStats().splitCalls >= before + 2, `${what}: both loops were split over threads`);
            // recording the gradient flow: the same bits everywhere else, and the step route's sums
            const rec = run(one, kind, T, reverse, withDy, false, 13, true);
            assert.ok(rec.flow.every((v) => v > 0 && Number.isFinite(v)), `${what}: every row's sum is recorded`);
            sameBits(`${what}, fused 1 thread, recording`, rec, run(one, kind, T, reverse, withDy, true, 13, true));
            sameBits(`${what}, fused 2 threads, recording`, rec, run(two, kind, T, reverse, withDy, true, 13, true));
          });
        }
      }
    }
  }
  // Which thread runs a share depends on timing, the bits do not. On a machine busier than its
  // cores (test files run in parallel) the calling thread may run every share itself.
  t.diagnostic(`the worker thread ran ${two.threadStats().workerChunks - workerBefore} shares of the split loops`);
});

test('a batch of 35 rows is cut into 4 chunks on 2 threads (small weights), with the bits of the cells\' own steps and their gradient-flow sums', () => {
  for (const kind of ['lstm', 'gru', 'rnn'] as const) {
    for (const reverse of [false, true]) {
      const what = `${kind} B 35 ${reverse ? 'reverse' : 'forward'}`;
      const ref = run(one, kind, 5, reverse, true, false, 35, true);
      const before = two.threadStats();
      sameBits(what, ref, run(two, kind, 5, reverse, true, true, 35, true)); // recording: each chunk its own rows' sums
      const after = two.threadStats();
      assert.equal(after.splitCalls - before.splitCalls, 2, `${what}: both loops split`);
      assert.equal(after.chunks - before.chunks, 8, `${what}: 4 chunks a loop (rows 0-8, 8-16, 16-24, 24-35)`);
    }
  }
});

test('the pool keeps every chunk when 2-chunk and 4-chunk jobs alternate', () => {
  const k = two;
  const h = 16, b = 16, g = 4 * h, t = 3;
  const gates = k.alloc(t * b * g), hs = k.alloc((t + 1) * b * h), cs = k.alloc((t + 1) * b * h), w = k.alloc(g * h);
  const whhT = k.packB(true, h, g, w, 0, h);
  const a = k.alloc(64 * 64), c = k.alloc(64 * 64);
  for (let i = 0; i < 2000; i++) {
    k.loopForward({ cell: makeCell({ cell: 'lstm' }).loop!, t, b, h, reverse: false, gates, hs, cs, gh: k.alloc(0), bhh: w, whhT });
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
