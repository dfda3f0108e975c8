// What makes a page's first step come sooner (src/web/pack.ts, warmup.ts, session.ts), driven in
// Node: sequences packed on the page reach the worker as the same numbers toSequences makes, with
// the same messages for a value that is not finite, and irregular input is left for the worker's
// own checks; a run on packed data takes the same steps as one on the arrays; a worker warmed
// before its run (preloadTraining's 'warm') hands the run its kernels, and the run's losses are
// those of a cold worker, to the bit.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { toSequences } from '../src/tasks/sequences.js';
import { Rng } from '../src/tensor/rng.js';
import { packSequences, unpackSequences } from '../src/web/pack.js';
import type { TrainingSpec, WorkerCommand, WorkerEvent } from '../src/web/protocol.js';
import { WebSession } from '../src/web/session.js';

function samples(n: number, features: number, seed: number): number[][][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => Array.from({ length: 5 + (i % 4) }, () => Array.from({ length: features }, () => rng.normal())));
}

const messageOf = (f: () => unknown): string => {
  try { f(); } catch (e) { return (e as Error).message; }
  return 'no error';
};

test('pack: packed sequences unpack to what toSequences makes, one feature or several', () => {
  for (const x of [samples(9, 3, 1), samples(4, 1, 2), samples(6, 2, 3).map((s) => s.map((r) => r[0]!))] as unknown[]) {
    const p = packSequences(x);
    assert.ok(p, 'regular input is packed');
    const got = unpackSequences(p, 'x'), want = toSequences(x as number[][][], 'x');
    assert.deepEqual(got.lengths, want.lengths);
    assert.equal(got.features, want.features);
    assert.deepEqual(got.data.map((d) => Array.from(d)), want.data.map((d) => Array.from(d)));
  }
  const typed = [new Float32Array([1, 2, 3]), new Float32Array([4, 5])];
  assert.deepEqual(unpackSequences(packSequences(typed)!, 'x').data.map((d) => Array.from(d)), [[1, 2, 3], [4, 5]]);
});

test('pack: irregular input is not packed; a value that is not finite gets the message toSequences gives', () => {
  const x = samples(5, 3, 4);
  const ragged = x.map((s, i) => (i === 3 ? s.map((r) => r.slice(0, 2)) : s));
  const text = x.map((s, i) => (i === 2 ? s.map((r, t) => (t === 1 ? [r[0], 'a', r[2]] : r)) : s));
  const empty = [...x, []];
  const mixed = [...x, [1, 2, 3]];
  for (const bad of [ragged, text, empty, mixed, [], 'abc', null, [{ length: 2 }]]) assert.equal(packSequences(bad), null, JSON.stringify(bad).slice(0, 40));
  for (const v of [NaN, Infinity, -Infinity]) {
    const withBad = x.map((s, i) => s.map((r, t) => (i === 4 && t === 2 ? [r[0]!, r[1]!, v] : r)));
    const p = packSequences(withBad)!;
    assert.ok(p, 'numbers that are not finite still pack: the worker names them');
    const packed = messageOf(() => unpackSequences(p, 'regress task x'));
    assert.equal(packed, messageOf(() => toSequences(withBad, 'regress task x')));
    assert.match(packed, /^regress task x\[4\]\[2\]\[2\]: expected a finite number/);
  }
  const one = [[1, 2, 3], [4, NaN]];
  assert.equal(messageOf(() => unpackSequences(packSequences(one)!, 'x')), messageOf(() => toSequences(one, 'x')));
  // a packet that does not add up (a hostile page) is refused, not read past its end
  const p = packSequences(samples(3, 2, 5))!;
  assert.match(messageOf(() => unpackSequences({ ...p, lengths: Int32Array.from([5, 5, 500]) }, 'x')), /^x\[2\]: expected packed steps within the values/);
  assert.match(messageOf(() => unpackSequences({ ...p, features: 0 }, 'x')), /^x: expected packed sequences/);
});

function session(): { s: WebSession; events: WorkerEvent[] } {
  const events: WorkerEvent[] = [];
  return { s: new WebSession((e) => { events.push(e); }), events };
}

const losses = (events: WorkerEvent[]): number[] => events.flatMap((e) => (e.type === 'progress' ? e.steps.map((s) => s.loss) : []));
const readyOf = (events: WorkerEvent[]) => (events.find((e) => e.type === 'ready') as Extract<WorkerEvent, { type: 'ready' }> | undefined)?.info;
const errorsOf = (events: WorkerEvent[]) => events.filter((e) => e.type === 'error').map((e) => (e as { message: string }).message);

test('web session: a regress task packed on the page takes the same steps as its arrays', async () => {
  const x = samples(24, 3, 6);
  const y = x.map((s) => s.reduce((a, r) => a + r[1]!, 0));
  const spec: TrainingSpec = {
    task: { kind: 'regress', x, y, validationSplit: 0.25 }, model: { cell: 'lstm', hiddenSize: 8 }, kernels: 'js', reportMs: 0,
    train: { steps: 10, batchSize: 8, seed: 3, optimizer: { kind: 'adam', lr: 1e-2 }, evalEvery: 5 },
  };
  const plain = session();
  await plain.s.command({ type: 'start', spec });
  const packed = session();
  await packed.s.command({ type: 'start', spec: { ...spec, task: { kind: 'regress', x: [], y, validationSplit: 0.25 } }, packedX: packSequences(x)! });
  assert.deepEqual(errorsOf(packed.events), []);
  assert.equal(losses(plain.events).length, 10);
  assert.deepEqual(losses(packed.events), losses(plain.events));
  assert.deepEqual(packed.events.filter((e) => e.type === 'gradflow'), plain.events.filter((e) => e.type === 'gradflow'), 'the same probe batch');
});

test('web session: a warmed worker hands its kernels to the run, with the losses of a cold one', async () => {
  const module = await WebAssembly.compile(readFileSync(new URL('../../dist/wasm/kernels-simd.wasm', import.meta.url)));
  const spec: TrainingSpec = {
    task: { kind: 'adding', length: 12 }, model: { cell: 'lstm', hiddenSize: 16 }, kernels: 'wasm', threads: 1, reportMs: 0,
    train: { steps: 8, batchSize: 8, seed: 2, optimizer: { kind: 'adam', lr: 1e-2 }, evalEvery: 4 },
  };
  const cold = session();
  const run = cold.s.command({ type: 'start', spec, wasmPosted: true });
  await cold.s.command({ type: 'wasm', module, relaxed: false });
  await run;
  const warmRun = async (threads: number | 'auto'): Promise<WorkerEvent[]> => {
    const w = session();
    // as preloadTraining sends them: warm (the module on its way), the module, then the run
    const warming = w.s.command({ type: 'warm', kernels: 'wasm', threads, wasmPosted: true } satisfies WorkerCommand);
    await w.s.command({ type: 'wasm', module, relaxed: false });
    await warming;
    await w.s.command({ type: 'start', spec });
    return w.events;
  };
  const warm = await warmRun(1);
  assert.deepEqual(errorsOf(warm), []);
  assert.equal(readyOf(cold.events)!.preloaded, false);
  assert.equal(readyOf(warm)!.preloaded, true);
  assert.equal(readyOf(warm)!.kernels.kind, 'wasm');
  assert.equal(losses(cold.events).length, 8);
  assert.deepEqual(losses(warm), losses(cold.events), 'the warm-up changes no bit of the run');
  // warmed for other threads: the run loads its own kernels, the same losses
  const other = await warmRun(2);
  assert.equal(readyOf(other)!.preloaded, false);
  assert.deepEqual(losses(other), losses(cold.events));
});
