// The training worker's session (src/web/session.ts) driven directly in Node with the js kernels:
// the events of a run (ready, progress, eval, gradflow, vitals, done with a model file that loads),
// stop and pause/resume arriving while it trains, generate/forecast after it, and every failure as
// an error event (a bad task, a run too large for a page, a command out of turn); data as arrays
// trained on the library's own tasks (the same losses as its objects' fit, files their fromBytes
// reads); the first step reported before the measurements at the initial weights, which keep their
// values; the wasm module a page posts, or the worker's own loading when none comes.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Forecaster } from '../src/api/forecaster.js';
import { SequenceClassifier, SequenceRegressor } from '../src/api/sequence-models.js';
import { float64Copy, measureGradFlow } from '../src/diagnostics/measure.js';
import { VitalsRecorder } from '../src/diagnostics/vitals.js';
import { createKernels } from '../src/kernels/index.js';
import { modelFromBytes } from '../src/model/io.js';
import { Sequential } from '../src/model/sequential.js';
import { createTask } from '../src/tasks/index.js';
import { Rng } from '../src/tensor/rng.js';
import { Trainer } from '../src/train/trainer.js';
import type { TrainingSpec, WorkerEvent } from '../src/web/protocol.js';
import { WebSession } from '../src/web/session.js';
import { runBytes, specRunBytes } from '../src/web/limits.js';
import { packSequences, unpackSequences } from '../src/web/pack.js';
import { SequenceTask } from '../src/tasks/sequences.js';

function session(): { s: WebSession; events: WorkerEvent[]; next(type: WorkerEvent['type']): Promise<WorkerEvent> } {
  const events: WorkerEvent[] = [];
  const waiting: { type: string; resolve: (e: WorkerEvent) => void }[] = [];
  const s = new WebSession((e) => {
    events.push(e);
    for (const w of waiting.splice(0)) { if (w.type === e.type) w.resolve(e); else waiting.push(w); }
  });
  const next = (type: WorkerEvent['type']) => new Promise<WorkerEvent>((resolve) => {
    const seen = events.find((e) => e.type === type);
    if (seen) resolve(seen); else waiting.push({ type, resolve });
  });
  return { s, events, next };
}

const spec = (over: Partial<TrainingSpec> = {}): TrainingSpec => ({
  task: { kind: 'adding', length: 10 }, model: { cell: 'gru', hiddenSize: 8 }, kernels: 'js', reportMs: 0,
  train: { steps: 40, batchSize: 8, seed: 1, optimizer: { kind: 'adam', lr: 1e-2 }, evalEvery: 20 }, ...over,
});

test('web session: a run reports ready, progress, evaluations, gradient flow, vital signs and ends with a model file', async () => {
  const { s, events } = session();
  await s.command({ type: 'start', spec: spec() });
  const types = new Set(events.map((e) => e.type));
  for (const t of ['ready', 'progress', 'eval', 'gradflow', 'vitals', 'done']) assert.ok(types.has(t as WorkerEvent['type']), `${t} in ${[...types]}`);
  const steps = events.flatMap((e) => (e.type === 'progress' ? e.steps.map((x) => x.step) : []));
  assert.deepEqual(steps, Array.from({ length: 40 }, (_, i) => i + 1), 'every step reported once, in order');
  assert.deepEqual(events.filter((e) => e.type === 'eval').map((e) => (e as Extract<WorkerEvent, { type: 'eval' }>).eval.step), [20, 40]);
  // every step of 40 is a recording step; the gate sweeps, made after each step (and before the
  // evaluations at 20 and 40), are all there
  const vitals = events.filter((e) => e.type === 'vitals').at(-1) as Extract<WorkerEvent, { type: 'vitals' }>;
  const saturated = vitals.vitals.series.find((x) => x.name === 'saturated')!;
  assert.deepEqual(saturated.points.map((p) => p[0]), steps);
  assert.ok(saturated.points.every((p) => p[1] >= 0 && p[1] <= 1));
  const flows = events.filter((e) => e.type === 'gradflow') as Extract<WorkerEvent, { type: 'gradflow' }>[];
  assert.equal(flows.length, 2);
  assert.equal(flows[1]!.atEnd.length, 10);
  const done = events.at(-1) as Extract<WorkerEvent, { type: 'done' }>;
  assert.equal(done.type, 'done');
  assert.equal(done.result.steps, 40);
  assert.equal(done.result.stopped, false);
  const loaded = modelFromBytes(done.model);
  assert.equal(loaded.model.config.cell, 'gru');
  assert.equal(JSON.parse(loaded.metadata['recur.task']!).task, 'adding');
});

test('web session: stop and pause/resume take effect while training', async () => {
  const a = session();
  const run = a.s.command({ type: 'start', spec: spec({ train: { ...spec().train, steps: 1e6, evalEvery: 1e6 }, gradFlow: false, vitals: false }) });
  await a.next('progress');
  await a.s.command({ type: 'stop' });
  await run;
  const done = a.events.at(-1) as Extract<WorkerEvent, { type: 'done' }>;
  assert.equal(done.type, 'done');
  assert.equal(done.result.stopped, true);
  assert.ok(done.result.steps < 1000, `stopped after ${done.result.steps} steps`);

  const b = session();
  const run2 = b.s.command({ type: 'start', spec: spec({ train: { ...spec().train, steps: 200 }, gradFlow: false }) });
  await b.next('progress');
  await b.s.command({ type: 'pause' });
  await b.next('paused');
  const lastStep = (): number => Math.max(...b.events.flatMap((e) => (e.type === 'progress' ? e.steps.map((x) => x.step) : [0])));
  const at = lastStep();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(lastStep(), at, 'no steps while paused');
  assert.ok(at < 200);
  await b.s.command({ type: 'resume' });
  await run2;
  assert.ok(b.events.some((e) => e.type === 'resumed'));
  assert.equal((b.events.at(-1) as Extract<WorkerEvent, { type: 'done' }>).result.steps, 200);
});

test('web session: generate and forecast after a run; failures are error events', async () => {
  const text = 'anna\nbob\ncarla\ndan\neve\nfrank\ngina\nhal\nida\njon\n'.repeat(20);
  const t = session();
  await t.s.command({ type: 'start', spec: spec({ task: { kind: 'text', text, seq: 8, shuffleLines: true }, model: { cell: 'lstm', hiddenSize: 16 } }) });
  await t.s.command({ type: 'generate', id: 7, count: 3, length: 20 });
  const g = t.events.at(-1) as Extract<WorkerEvent, { type: 'generated' }>;
  assert.equal(g.type, 'generated');
  assert.equal(g.id, 7);
  assert.equal(g.samples.length, 3);
  for (const x of g.samples) assert.match(x, /^[a-z]*$/);
  await t.s.command({ type: 'forecast', id: 8, steps: 3 });
  assert.deepEqual(t.events.at(-1), { type: 'error', id: 8, message: 'forecast: expected a model trained on a CSV column, received one trained on the text task' });

  const csv = 'day,value\n' + Array.from({ length: 200 }, (_, i) => `${i},${Math.sin(i / 5).toFixed(4)}`).join('\n');
  const c = session();
  await c.s.command({ type: 'start', spec: spec({ task: { kind: 'csv', text: csv, column: 'value', window: 16 } }) });
  await c.s.command({ type: 'forecast', id: 1, steps: 5 });
  const f = c.events.at(-1) as Extract<WorkerEvent, { type: 'forecasted' }>;
  assert.equal(f.type, 'forecasted');
  assert.equal(f.forecast.length, 5);
  assert.ok(f.forecast.every((v) => Number.isFinite(v) && Math.abs(v) < 3));

  const bad = async (sp: TrainingSpec): Promise<string> => {
    const b = session();
    await b.s.command({ type: 'start', spec: sp });
    const last = b.events.at(-1)!;
    assert.equal(last.type, 'error', JSON.stringify(last));
    return (last as { message: string }).message;
  };
  assert.match(await bad(spec({ task: { kind: 'csv', text: 'a,b\nx,y\n', column: 'b' } })), /column "b"/);
  assert.match(await bad(spec({ task: { kind: 'adding', length: 100000 }, model: { cell: 'lstm', hiddenSize: 1024 } })), /^run size: expected training buffers under 1024 MB for a page, received \d+ MB/);
  assert.match(await bad(spec({ task: { kind: 'text', text: 42 as unknown as string } })), /text task: expected its data as a string/);
  assert.match(await bad(spec({ model: null as unknown as TrainingSpec['model'] })), /^model: expected the model's settings/);
  const early = session();
  await early.s.command({ type: 'generate', id: 3 });
  assert.deepEqual(early.events, [{ type: 'error', id: 3, message: 'generate: expected a finished run, received no run' }]);
  await early.s.command({ type: 'nonsense' } as never);
  assert.match((early.events.at(-1) as { message: string }).message, /^worker command: expected start, wasm, pause/);
});

const ids = (events: WorkerEvent[]): string[] => events.map((e) => e.type);
const lossesOf = (events: WorkerEvent[]): number[] => events.flatMap((e) => (e.type === 'progress' ? e.steps.map((x) => x.loss) : []));
const doneOf = (events: WorkerEvent[]): Extract<WorkerEvent, { type: 'done' }> => {
  const d = events.at(-1)!;
  assert.equal(d.type, 'done', JSON.stringify(d));
  return d as Extract<WorkerEvent, { type: 'done' }>;
};

test('web session: arrays train on the tasks of the library objects, with the same losses as their fit, and their fromBytes reads the file', async () => {
  const rng = new Rng(4);
  const x = Array.from({ length: 24 }, (_, i) => Array.from({ length: 6 + (i % 3) }, () => [rng.normal(), rng.normal()]));
  const labels = x.map((s) => (s.reduce((a, r) => a + r[0]!, 0) > 0 ? 'up' : 'down'));
  const targets = x.map((s) => s.reduce((a, r) => a + r[1]!, 0));
  const train = { steps: 12, batchSize: 8, seed: 5, optimizer: { kind: 'adam' as const, lr: 1e-2 }, clip: { kind: 'norm' as const, maxNorm: 1 }, evalEvery: 6 };
  const net = { cell: 'gru' as const, hiddenSize: 8, seed: 5 };
  const fitOpts = { steps: 12, batchSize: 8, optimizer: 'adam' as const, lr: 1e-2, evalEvery: 6, validationSplit: 0.25 };

  const c = session();
  await c.s.command({ type: 'start', spec: spec({ task: { kind: 'classify', x, y: labels, validationSplit: 0.25 }, model: { cell: 'gru', hiddenSize: 8 }, train }) });
  const clf = new SequenceClassifier(net);
  const seen: number[] = [];
  clf.fit(x, labels, { ...fitOpts, callbacks: { onStep: (st) => { seen.push(st.loss); } } });
  assert.deepEqual(lossesOf(c.events), seen, 'the worker and SequenceClassifier.fit take the same steps');
  const loaded = SequenceClassifier.fromBytes(doneOf(c.events).model);
  assert.deepEqual(loaded.predict(x.slice(0, 5)), clf.predict(x.slice(0, 5)));

  const r = session();
  await r.s.command({ type: 'start', spec: spec({ task: { kind: 'regress', x, y: targets, validationSplit: 0.25 }, model: { cell: 'gru', hiddenSize: 8 }, train }) });
  const reg = new SequenceRegressor(net);
  const seenR: number[] = [];
  reg.fit(x, targets, { ...fitOpts, callbacks: { onStep: (st) => { seenR.push(st.loss); } } });
  assert.deepEqual(lossesOf(r.events), seenR, 'the worker and SequenceRegressor.fit take the same steps');
  assert.deepEqual(SequenceRegressor.fromBytes(doneOf(r.events).model).predict(x.slice(0, 3)), reg.predict(x.slice(0, 3)));

  const series = { temp: Array.from({ length: 120 }, (_, i) => Math.sin(i / 6)), load: Array.from({ length: 120 }, (_, i) => Math.cos(i / 9)) };
  const f = session();
  await f.s.command({ type: 'start', spec: spec({ task: { kind: 'series', data: series, window: 10, targets: 'temp' }, model: { cell: 'gru', hiddenSize: 8 }, train }) });
  const fc = new Forecaster({ ...net, window: 10, targets: 'temp' });
  const seenF: number[] = [];
  fc.fit(series, { steps: 12, batchSize: 8, optimizer: 'adam', lr: 1e-2, evalEvery: 6, callbacks: { onStep: (st) => { seenF.push(st.loss); } } });
  assert.deepEqual(lossesOf(f.events), seenF, 'the worker and Forecaster.fit take the same steps');
  const back = Forecaster.fromBytes(doneOf(f.events).model);
  assert.deepEqual(back.series.columns, ['temp', 'load']);
  assert.deepEqual(back.forecastAll({ temp: series.temp.slice(-10), load: series.load.slice(-10) }), fc.forecastAll({ temp: series.temp.slice(-10), load: series.load.slice(-10) }));

  const bad = session();
  await bad.s.command({ type: 'start', spec: spec({ task: { kind: 'classify', x, y: labels.slice(1) } }) });
  assert.match((bad.events.at(-1) as { message: string }).message, /^labels: expected one per sample \(24\), received 23/);
  const bad2 = session();
  await bad2.s.command({ type: 'start', spec: spec({ task: { kind: 'series', data: series, targets: 'nope' } }) });
  assert.match((bad2.events.at(-1) as { message: string }).message, /^series task targets\[0\]: expected one of the columns "temp", "load"/);
});

test('web session: the first step is reported before the measurements at the initial weights, and these keep their values', async () => {
  const sp = spec({ train: { ...spec().train, steps: 30, evalEvery: 1000 }, reportMs: 1e6 });
  const { s, events } = session();
  await s.command({ type: 'start', spec: sp });
  assert.deepEqual(ids(events).slice(0, 3), ['ready', 'progress', 'gradflow']);
  const first = events[1] as Extract<WorkerEvent, { type: 'progress' }>;
  assert.deepEqual(first.steps.map((x) => x.step), [1]);
  const ready = events[0] as Extract<WorkerEvent, { type: 'ready' }>;
  const t = ready.info.timing;
  assert.ok(t.loaded <= t.start && t.start <= t.task && t.task <= t.kernels && t.kernels <= t.model, JSON.stringify(t));
  // the same gradient flow as measured on a fresh model with the run's seed, before any step
  const task = createTask({ kind: 'adding', length: 10 }, { seed: 1 });
  const fresh = new Sequential(ready.info.config, { kernels: createKernels({ kind: 'js' }), seed: 1 });
  const probe = task.trainBatch(new Rng(1 ^ 0x9e3779b9), 8);
  const flow = events[2] as Extract<WorkerEvent, { type: 'gradflow' }>;
  assert.deepEqual(flow.atInit, measureGradFlow(fresh, task, probe).gradNormByStep);
  const vitals = events.filter((e) => e.type === 'vitals').at(-1) as Extract<WorkerEvent, { type: 'vitals' }>;
  assert.ok(vitals, 'vital signs reported');
  // the vital signs of a run measured at start later, from a copy (spectral sizes at start and at
  // step 1, the same weights), are those of a run measured at once
  const recordRun = (deferred: boolean): VitalsRecorder => {
    const m = new Sequential(ready.info.config, { kernels: createKernels({ kind: 'js' }), seed: 1 });
    const rec = new VitalsRecorder(m, { steps: 12, every: 1, spectralEvery: 1, ...(deferred ? { atStart: float64Copy(m) } : {}) });
    const tr = new Trainer(m, createTask({ kind: 'adding', length: 10 }, { seed: 1 }), { ...sp.train, steps: 12 }, rec.callbacks());
    for (const _ of tr.run());
    return rec;
  };
  const eager = recordRun(false), late = recordRun(true);
  assert.deepEqual(late.records, eager.records);
  assert.deepEqual(late.spectralAtStart, eager.spectralAtStart);
  assert.ok(eager.records[0]!.spectral && eager.records[0]!.step === 1);
});

test('web session: a wasm module the page posts is used; when none comes the worker loads the kernels itself', async () => {
  const module = await WebAssembly.compile(readFileSync(new URL('../../dist/wasm/kernels-simd.wasm', import.meta.url)));
  const p = session();
  const run = p.s.command({ type: 'start', spec: spec({ kernels: 'auto', threads: 1 }), wasmPosted: true });
  await p.s.command({ type: 'wasm', module, relaxed: false });
  await run;
  const info = (p.events[0] as Extract<WorkerEvent, { type: 'ready' }>).info;
  assert.equal(info.kernels.kind, 'wasm', info.kernelsText);
  assert.equal(doneOf(p.events).result.steps, 40);
  // the page could not compile it: the worker's own loading, here (Node, no server) the js kernels and why
  const n = session();
  const run2 = n.s.command({ type: 'start', spec: spec({ kernels: 'auto', threads: 1 }), wasmPosted: true });
  await n.s.command({ type: 'wasm', module: null, relaxed: false });
  await run2;
  const info2 = (n.events[0] as Extract<WorkerEvent, { type: 'ready' }>).info;
  assert.equal(info2.kernels.kind, 'js');
  assert.match(info2.kernelsText, /kernels-(relaxed|simd)\.wasm/);
});

test('specRunBytes: read off the spec before the task is built, it is runBytes for one output (sequences of one length), less for more outputs, and 0 where the spec does not say', () => {
  const rng = new Rng(4);
  const x = Array.from({ length: 12 }, (_, i) => Array.from({ length: 7 }, () => [rng.normal(), rng.normal(), rng.normal()]));
  const packed = packSequences(x)!;
  const exact = (s: TrainingSpec): number => {
    const t = s.task.kind === 'adding' ? createTask(s.task, { seed: 1, valSize: 1 }) : new SequenceTask({ kind: s.task.kind as 'regress' | 'classify', x: unpackSequences(packed, 'x'), y: s.task.kind === 'regress' ? x.map((_, i) => [i % 3]) : x.map((_, i) => i % 3), order: 'epochs' });
    return runBytes(t, { ...s.model, input: t.input, outputSize: t.outputSize, outputMode: t.outputMode, dtype: 'float32' }, s.train.batchSize);
  };
  const regress = spec({ task: { kind: 'regress', x: [], y: x.map((_, i) => i % 3) }, model: { cell: 'gru', hiddenSize: 16, numLayers: 2, bidirectional: true } });
  assert.equal(specRunBytes(regress, packed), exact(regress));
  const adding = spec({ task: { kind: 'adding', length: 50 }, model: { cell: 'lstm', hiddenSize: 32 } });
  assert.equal(specRunBytes(adding), exact(adding));
  const classify = spec({ task: { kind: 'classify', x: [], y: x.map((_, i) => i % 3) }, model: { cell: 'rnn', hiddenSize: 8 } });
  const est = specRunBytes(classify, packed);
  assert.ok(est > 0 && est < exact(classify), 'three classes: more outputs than the estimate counts');
  assert.equal(specRunBytes(spec({ task: { kind: 'copy', length: 50 } })), 0);
  assert.equal(specRunBytes(spec({ model: { cell: 'nope', hiddenSize: 8 } as unknown as TrainingSpec['model'] })), 0);
  assert.equal(specRunBytes(spec({ model: { cell: 'gru', hiddenSize: -1 } })), 0);
});
