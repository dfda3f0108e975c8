// WasmKernels.prefault: idle kernel threads fault in the memory the next buffers will take
// (wasm-worker.ts's touchPages). It must reach the whole span, never change a value (the calling
// thread may be writing into those pages meanwhile), never hand out memory, and leave results as
// they were; without threads it does nothing.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PREFAULT_MAX } from '../src/kernels/wasm.js';
import { createWasmKernels } from '../src/node/kernels.js';

const one = await createWasmKernels({ threads: 1 });
const two = await createWasmKernels({ threads: 2, parallelMinMacs: 1, adaptive: false });
after(() => { one.close(); two.close(); });

const settle = async (k: typeof two): Promise<void> => {
  const t0 = Date.now();
  while (k.prefaultLeft > 0 && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 2));
};

test('prefault: a worker thread reaches the whole span; the memory grows, nothing is handed out', async () => {
  const bytes = 8 * 2 ** 20;
  const inUse = two.bytesInUse;
  assert.equal(two.prefault(bytes), bytes);
  const size = two.memory.buffer.byteLength;
  assert.equal(two.bytesInUse, inUse, 'no buffer was handed out');
  await settle(two);
  assert.equal(two.prefaultLeft, 0);
  // the span is there: buffers of that size come from it without growing the memory, and read
  // as zero, as fresh memory does
  const a = two.alloc(bytes / 4);
  assert.equal(two.memory.buffer.byteLength, size);
  let nonzero = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) nonzero++;
  assert.equal(nonzero, 0);
  two.free(a);
});

test('prefault: values the calling thread writes into the span meanwhile survive', async () => {
  for (let round = 0; round < 3; round++) {
    const n = 4 * 2 ** 20 / 4;
    two.prefault(n * 4);
    const a = two.alloc(n); // the span's first pages, handed out while the worker touches them
    for (let i = 0; i < n; i++) a[i] = i + 1;
    await settle(two);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (a[i] !== i + 1) wrong++;
    assert.equal(wrong, 0, `round ${round}: every value as written`);
    two.free(a);
  }
});

test('prefault: a gemm after it gives the bits of one without it; one thread does nothing', async () => {
  const gemm = (k: typeof two): Float32Array => {
    const m = 37, n = 53, kk = 29;
    const a = k.alloc(m * kk), b = k.alloc(kk * n), c = k.alloc(m * n);
    for (let i = 0; i < a.length; i++) a[i] = Math.sin(i);
    for (let i = 0; i < b.length; i++) b[i] = Math.cos(i);
    k.gemm(false, false, m, n, kk, 1, a, 0, kk, b, 0, n, 0, c, 0, n);
    const out = Float32Array.from(c);
    k.free(a); k.free(b); k.free(c);
    return out;
  };
  const before = gemm(two);
  two.prefault(2 * 2 ** 20);
  const during = gemm(two);
  await settle(two);
  assert.deepEqual(during, before);
  assert.deepEqual(gemm(one), before);
  assert.equal(one.prefault(2 ** 20), 0);
  assert.equal(one.prefaultLeft, 0);
  assert.equal(two.prefault(0), 0);
  assert.ok(PREFAULT_MAX >= 2 ** 25, 'the cap covers a large run\'s first step');
  // past the cap, only the cap is asked for
  const size = two.memory.buffer.byteLength;
  assert.equal(two.prefault(2 * PREFAULT_MAX), PREFAULT_MAX);
  assert.ok(two.memory.buffer.byteLength - size <= PREFAULT_MAX + 65536, 'the memory grew by at most the cap');
  await settle(two);
});
