// startTraining on the page (src/web/training.ts), driven in Node with a stand-in Worker whose
// postMessage clones as a browser's does (structuredClone): a spec that cannot be posted is a
// RecurError that says what was expected, and the worker and kernel threads started for it end.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecurError } from '../src/errors.js';
import type { TrainingSpec } from '../src/web/protocol.js';
import { startTraining } from '../src/web/training.js';

class StandIn {
  static made: StandIn[] = [];
  terminated = false;
  posted = 0;
  onmessage: unknown = null;
  onerror: unknown = null;
  constructor(readonly url: unknown) { StandIn.made.push(this); }
  postMessage(m: unknown, transfer: Transferable[] = []): void {
    if (this.terminated) return;
    structuredClone(m, { transfer: transfer as never });
    this.posted++;
  }
  terminate(): void { this.terminated = true; }
}

function withStandIns<T>(f: () => T): T {
  const g = globalThis as Record<string, unknown>;
  const saved = { Worker: g.Worker, crossOriginIsolated: g.crossOriginIsolated };
  g.Worker = StandIn;
  g.crossOriginIsolated = true; // 2 threads: one kernel thread started on the page beside the worker
  StandIn.made = [];
  try { return f(); } finally { g.Worker = saved.Worker; g.crossOriginIsolated = saved.crossOriginIsolated; }
}

const spec = (train: Record<string, unknown> = {}): TrainingSpec => ({
  task: { kind: 'adding', length: 10 }, model: { cell: 'lstm', hiddenSize: 8 }, threads: 2, kernels: 'wasm', wasmUrl: { simd: 'data:,' },
  train: { steps: 5, batchSize: 4, seed: 1, optimizer: { kind: 'adam', lr: 1e-2 }, ...train } as TrainingSpec['train'],
});

test('startTraining: a spec the structured clone refuses is a RecurError, and the workers started for it end', () => {
  withStandIns(() => {
    const bad = spec({ onStep: () => {} });
    assert.throws(() => startTraining(bad), (e: unknown) => e instanceof RecurError && /^startTraining: expected a spec of plain data .*posting it failed: /.test(e.message));
    assert.equal(StandIn.made.length, 2, 'the training worker and one kernel thread were started');
    assert.ok(StandIn.made.every((w) => w.terminated), 'and both ended');
  });
  // the same spec without the function: posted, nothing ended until terminate()
  withStandIns(() => {
    const run = startTraining(spec());
    assert.equal(StandIn.made.length, 2);
    assert.ok(StandIn.made.every((w) => !w.terminated && w.posted === 1), 'the worker got its start, the thread its port');
    run.done.catch(() => {});
    run.terminate();
    assert.ok(StandIn.made.every((w) => w.terminated));
  });
});
