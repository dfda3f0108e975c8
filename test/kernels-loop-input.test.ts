// The forward loop kernel with the input projection inside it (LoopForwardArgs.input): gates_t =
// bias + x_t · W_ihᵀ made step by step on each thread's rows must give the bits of the layer's way,
// fillRows + one gemm over all steps before the loop, on 1 and 2 threads, for every cell and both
// directions. Sizes are odd (edge tiles in every direction), and one input is wider than the
// gemm's k block (256), so the projection's sum restarts inside a row.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { makeCell } from '../src/cells/table.js';
import type { Float, LoopCell } from '../src/kernels/types.js';
import type { WasmKernels } from '../src/kernels/wasm.js';
import { createWasmKernels } from '../src/node/kernels.js';
import { Rng } from '../src/tensor/rng.js';

const one = await createWasmKernels({ threads: 1 });
const two = await createWasmKernels({ threads: 2, parallelMinMacs: 1, parallelMinElements: 1, adaptive: false });
after(() => { one.close(); two.close(); });

const T = 5, B = 11, H = 7;
type CellKind = 'rnn' | 'lstm' | 'gru';
/** The loop description of each cell with a loop kernel step (tanh for the RNN). */
const LOOP = (kind: CellKind): LoopCell => makeCell({ cell: kind }).loop!;

/** Forward over random data; `inLoop` passes the projection to the loop, else it is made first as the layer's step route does. */
function run(k: WasmKernels, kind: CellKind, reverse: boolean, inW: number, inLoop: boolean): { hs: Float32Array; gates: Float32Array } {
  const rng = new Rng(5 + inW);
  const g = LOOP(kind).gates * H;
  const buf = (n: number, scale = 0): Float => { const a = k.alloc(n); for (let i = 0; i < n; i++) a[i] = scale ? (rng.uniform() * 2 - 1) * scale : 0; return a; };
  const x = buf(3 + T * B * inW, 1), wih = buf(g * inW, 0.3), bias = buf(g, 0.5);
  const whh = buf(g * H, 0.4), bhh = buf(g, 0.3);
  // gates hold garbage on entry to the in-loop run: every element must be written
  const gates = buf(T * B * g), hs = buf((T + 1) * B * H), cs = buf(kind === 'lstm' ? (T + 1) * B * H : 0);
  const gh = buf(kind === 'gru' ? T * B * g : 0);
  const start = reverse ? T : 0;
  for (let i = 0; i < B * H; i++) { hs[start * B * H + i] = rng.uniform() - 0.5; if (kind === 'lstm') cs[start * B * H + i] = rng.uniform() - 0.5; }
  const whhT = k.packB(true, H, g, whh, 0, H);
  if (inLoop) gates.fill(1e30);
  else {
    k.fillRows(T * B, g, bias, 0, gates, 0, g);
    k.gemm(false, true, T * B, g, inW, 1, x, 3, inW, wih, 0, inW, 1, gates, 0, g);
  }
  k.loopForward({
    cell: LOOP(kind), t: T, b: B, h: H, reverse, gates, hs, cs, gh, bhh, whhT,
    ...(inLoop ? { input: { x, xOff: 3, inputSize: inW, wih, bias } } : {}),
  });
  return { hs: Float32Array.from(hs), gates: Float32Array.from(gates) };
}

test('the loop makes the input projection with the bits of fillRows + gemm, on 1 and 2 threads', () => {
  for (const kind of ['rnn', 'lstm', 'gru'] as const) {
    for (const reverse of [false, true]) {
      for (const inW of [1, 5, 300]) {
        const what = `${kind} ${reverse ? 'reverse' : 'forward'} I = ${inW}`;
        const ref = run(one, kind, reverse, inW, false);
        for (const [label, k] of [['1 thread', one], ['2 threads', two]] as const) {
          const got = run(k, kind, reverse, inW, true);
          for (const key of ['hs', 'gates'] as const) {
            for (let i = 0; i < ref[key].length; i++) {
              if (!Object.is(ref[key][i], got[key][i])) assert.fail(`${what}, ${label}: ${key}[${i}] ${ref[key][i]} vs ${got[key][i]}`);
            }
          }
        }
      }
    }
  }
});

test('loop input: a pack of another shape is replaced, and bad buffers are refused', () => {
  // a narrower input after a wider one (the pack of W_ihᵀ changes shape)
  for (const inW of [9, 3, 9]) {
    const ref = run(one, 'lstm', false, inW, false);
    const got = run(one, 'lstm', false, inW, true);
    assert.deepEqual(got.hs, ref.hs, `I = ${inW}`);
  }
  const k = one, g = 4 * H;
  const whhT = k.packB(true, H, g, k.alloc(g * H), 0, H);
  const args = {
    cell: LOOP('lstm'), t: T, b: B, h: H, reverse: false,
    gates: k.alloc(T * B * g), hs: k.alloc((T + 1) * B * H), cs: k.alloc((T + 1) * B * H), gh: k.alloc(0), bhh: k.alloc(0), whhT,
  };
  assert.throws(() => k.loopForward({ ...args, input: { x: k.alloc(T * B * 4 - 1), xOff: 0, inputSize: 4, wih: k.alloc(g * 4), bias: k.alloc(g) } }), /loop x/);
  assert.throws(() => k.loopForward({ ...args, input: { x: k.alloc(T * B * 4), xOff: 0, inputSize: 4, wih: k.alloc(g * 4), bias: k.alloc(g - 1) } }), /loop bias/);
});
