// The training worker's session (src/web/session.ts) driven directly in Node with the js kernels:
// the events of a run (ready, progress, eval, gradflow, vitals, done with a model file that loads),
// stop and pause/resume arriving while it trains, generate/forecast after it, and every failure as
// an error event (a bad task, a run too large for a page, a command out of turn).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelFromBytes } from '../src/model/io.js';
import type { TrainingSpec, WorkerEvent } from '../src/web/protocol.js';
import { WebSession } from '../src/web/session.js';

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
  assert.match((early.events.at(-1) as { message: string }).message, /^worker command: expected start, pause/);
});
