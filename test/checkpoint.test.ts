// Checkpoints in one process: a run stopped, saved and restored into a fresh trainer ends exactly
// as an unbroken run (every optimizer, schedules, dropout, clipping, the NaN guard, float64); a
// checkpoint of another run is refused naming the field; tampered files are refused; the
// directory keeps the last N, skips corrupt checkpoints with a warning and refuses to overwrite an
// earlier run; the CLI flags.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RecurError } from '../src/errors.js';
import type { ModelConfig } from '../src/model/config.js';
import { decodeSafetensors, encodeSafetensors, type TensorToWrite } from '../src/model/safetensors.js';
import { Sequential } from '../src/model/sequential.js';
import type { TaskConfig } from '../src/tasks/index.js';
import { createTask } from '../src/node/tasks.js';
import { CheckpointMismatch, CHECKSUM_KEY, STATE_KEY, checkpointChecksum, checkpointToBytes, restoreCheckpoint } from '../src/train/checkpoint.js';
import { Checkpointer, assertFresh, checkpointName, listCheckpoints } from '../src/node/checkpoint-dir.js';
import { metricsLog } from '../src/node/metrics-log.js';
import { Trainer, type TrainConfig, type TrainResult } from '../src/train/trainer.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const root = fs.mkdtempSync(join(tmpdir(), 'recur-ckpt-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

interface Run { model: Partial<ModelConfig>; train: Partial<TrainConfig>; task?: TaskConfig; metricsLog?: string }

function trainer(r: Run): Trainer {
  const task = createTask(r.task ?? { kind: 'adding', length: 8 }, { seed: 5, valSize: 64 });
  const model = new Sequential({
    input: task.input, cell: 'lstm', hiddenSize: 6, outputMode: task.outputMode, outputSize: task.outputSize, ...r.model,
  } as ModelConfig, { seed: 5 });
  return new Trainer(model, task, { steps: 60, batchSize: 4, seed: 5, evalEvery: 20, optimizer: { kind: 'adam', lr: 1e-2 }, ...r.train } as TrainConfig,
    r.metricsLog ? metricsLog(r.metricsLog) : {});
}

function weights(t: Trainer): Buffer[] {
  return t.model.params.map((p) => Buffer.from(p.value.buffer, p.value.byteOffset, p.value.byteLength));
}

/** The result without the wall-clock seconds. */
function timeless(r: TrainResult): unknown {
  return { ...r, seconds: 0, history: { steps: r.history.steps.map((s) => ({ ...s, seconds: 0 })), evals: r.history.evals } };
}

function stopAt(t: Trainer, step: number): void {
  for (const s of t.run()) if (s.step >= step) break;
}

function rejects(fn: () => unknown, message: RegExp, kind: typeof RecurError = RecurError): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof kind, `expected a ${kind.name}, got ${String(e)}`);
    assert.match((e as Error).message, message);
    return true;
  });
}

/** Decodes, edits and re-encodes a checkpoint, with a fresh checksum unless `sign` is false. */
function rewrite(bytes: Uint8Array, edit: (tensors: TensorToWrite[], metadata: Record<string, string>) => void, sign = true): Uint8Array {
  const d = decodeSafetensors(bytes);
  const tensors: TensorToWrite[] = [...d.tensors].map(([name, t]) => ({ name, dtype: t.data instanceof Float64Array ? 'F64' : 'F32', shape: t.shape, data: t.data }));
  const metadata = { ...d.metadata };
  edit(tensors, metadata);
  const out = encodeSafetensors(tensors, metadata);
  if (!sign) return out;
  metadata[CHECKSUM_KEY] = checkpointChecksum(out);
  return encodeSafetensors(tensors, metadata);
}

const RUNS: [string, Run][] = [
  ['adam, cosine with warm-up, adaptive clipping, 2 layers with dropout', { model: { numLayers: 2, dropout: 0.2 }, train: { schedule: { kind: 'cosine', tMax: 60, warmup: { iters: 5 } }, clip: { kind: 'adaptive', factor: 2 } } }],
  ['sgd with nesterov momentum, plateau schedule, value clipping, early stopping', { model: { cell: 'gru' }, train: { optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }, schedule: { kind: 'plateau', patience: 0, factor: 0.5 }, clip: { kind: 'value', value: 0.5 }, earlyStopping: { patience: 2 } } }],
  ['rmsprop centered with momentum, onecycle, truncated BPTT', { model: { cell: 'rnn', activation: 'relu' }, train: { optimizer: { kind: 'rmsprop', lr: 1e-3, momentum: 0.5, centered: true }, schedule: { kind: 'onecycle', maxLr: 1e-2, totalSteps: 61 }, bptt: 3 } }],
  ['adagrad on text, float64', { model: { dtype: 'float64', cell: 'gru' }, train: { optimizer: { kind: 'adagrad', lr: 0.1 } }, task: { kind: 'text', file: '', seq: 6 } }],
  ['adamw with amsgrad, NaN guard rolling back at a huge learning rate', { model: { cell: 'rnn', activation: 'relu' }, train: { optimizer: { kind: 'adamw', lr: 1e6, amsgrad: true }, nanGuard: { patience: 2, snapshotEvery: 3 } } }],
];

const textFile = join(root, 'text.txt');
fs.writeFileSync(textFile, 'the quick brown fox jumps over the lazy dog\n'.repeat(8));
for (const [, r] of RUNS) if (r.task?.kind === 'text') r.task = { ...r.task, file: textFile };

test('stopped, checkpointed and restored into a fresh trainer, a run ends bit for bit as an unbroken one', () => {
  for (const [name, r] of RUNS) {
    const whole = trainer(r);
    const want = whole.train();
    for (const at of [1, 17, 40]) {
      const first = trainer(r);
      stopAt(first, at);
      const bytes = checkpointToBytes(first);
      const second = trainer(r);
      const info = restoreCheckpoint(second, bytes, 'x');
      assert.equal(info.step, Math.min(at, first.loop.step), name);
      const got = second.train();
      assert.deepEqual(weights(second), weights(whole), `${name}, stopped at ${at}: weights`);
      assert.deepEqual(timeless(got), timeless(want), `${name}, stopped at ${at}: result`);
      assert.deepEqual(JSON.stringify(second.guard.state()), JSON.stringify(whole.guard.state()), `${name}: NaN guard`);
      assert.deepEqual(second.model.rng.getState(), whole.model.rng.getState(), `${name}: dropout RNG`);
    }
    if (name.includes('NaN guard')) assert.ok(want.rollbacks > 0 && want.nanSkipped > 0, 'the guard acted');
    if (name.includes('early stopping')) assert.ok(want.stoppedEarly || want.steps === 60);
  }
});

test('a checkpoint of another run is refused, naming the field that differs', () => {
  const bytes = checkpointToBytes(trainer({ model: {}, train: {} }));
  const cases: [Run, RegExp][] = [
    [{ model: { hiddenSize: 7 }, train: {} }, /model config field "hiddenSize": expected 7 \(this run's\), received 6 \(the checkpoint's\)/],
    [{ model: { cell: 'gru' }, train: {} }, /model config field "cell": expected "gru"/],
    [{ model: { dropout: 0.1 }, train: {} }, /model config field "dropout": expected 0.1 \(this run's\), received nothing/],
    [{ model: {}, train: { optimizer: { kind: 'adam', lr: 2e-2 } } }, /training config field "optimizer.lr": expected 0.02/],
    [{ model: {}, train: { batchSize: 8 } }, /training config field "batchSize"/],
    [{ model: {}, train: { schedule: { kind: 'constant', warmup: { iters: 3 } } } }, /training config field "schedule"/],
    [{ model: {}, train: {}, task: { kind: 'adding', length: 9 } }, /task field "length": expected 9/],
  ];
  for (const [r, message] of cases) rejects(() => restoreCheckpoint(trainer(r), bytes, 'ckpt-000000.safetensors'), message, CheckpointMismatch);
  // the metrics log is not part of a run's identity
  restoreCheckpoint(trainer({ model: {}, train: {}, metricsLog: join(root, 'm.jsonl') }), bytes);
});

test('tampered or hostile checkpoints are refused with a RecurError and change nothing', () => {
  const t = trainer({ model: {}, train: {} });
  stopAt(t, 10);
  const good = checkpointToBytes(t);
  const state = (edit: (s: Record<string, unknown>) => void) => rewrite(good, (_, m) => { const s = JSON.parse(m[STATE_KEY]!); edit(s); m[STATE_KEY] = JSON.stringify(s); });
  const cases: [Uint8Array, RegExp][] = [
    [good.slice(0, good.length - 3), /trailing bytes|data_offsets|data to end/],
    [rewrite(good, (ts) => { ts.find((y) => y.name === 'model/head.bias')!.data[0] += 1; }, false), /checksum: expected SHA-256/],
    [rewrite(good, (_, m) => { m.format = 'pt'; }), /metadata "format": expected "recur-checkpoint"/],
    [rewrite(good, (_, m) => { m[STATE_KEY] = '{"version":1,"__proto__":{}}'; }), /no key named __proto__/],
    [rewrite(good, (_, m) => { m[STATE_KEY] = '{"a":[[[[[[[[1]]]]]]]]}'; }), /nested at most 5 levels/],
    [rewrite(good, (_, m) => { m[STATE_KEY] = '{"version":1,'; }), /state: expected valid JSON/],
    [state((s) => { s.step = 1e9; }), /field "step": expected a whole number in \[0, 60\]/],
    [state((s) => { s.rng = [0, 0, 0, 0]; }), /field "rng": expected four uint32 words/],
    [state((s) => { s.rng = [1, 2, 3, 2 ** 32]; }), /field "rng"\[3\]: expected a whole number in \[0, 4294967295\]/],
    [state((s) => { s.extra = 1; }), /unknown field "extra"/],
    [state((s) => { (s.loop as Record<string, unknown>).best = 'big'; }), /field "loop.best": expected a number/],
    [state((s) => { (s.optimizer as Record<string, unknown>).kind = 'sgd'; }), /field "optimizer.kind": expected adam/],
    [state((s) => { ((s.optimizer as Record<string, unknown>).hyper as Record<string, unknown>).lr = -1; }), /state optimizer: .*lr must be a finite number >= 0/],
    [state((s) => { ((s.optimizer as Record<string, unknown>).steps as Record<string, unknown>)['nope'] = 1; }), /step count of a parameter of the model, received "nope"/],
    [state((s) => { (s.guard as Record<string, unknown>).badInARow = 99; }), /NaN guard state badInARow: expected a count below the patience/],
    [state((s) => { s.clipper = { logEma: 0, count: 0 }; }), /field "clipper": expected null/],
    [rewrite(good, (ts) => { ts.splice(ts.findIndex((x) => x.name === 'model/head.bias'), 1); }), /missing: "model\/head.bias"/],
    [rewrite(good, (ts) => { ts.push({ name: 'optimizer/momentum_buffer/head.bias', dtype: 'F32', shape: [1], data: new Float32Array(1) }); }), /unexpected: "optimizer\/momentum_buffer\/head.bias"/],
    [rewrite(good, (ts) => { const x = ts.find((y) => y.name === 'model/head.bias')!; x.dtype = 'F64'; }), /tensor "model\/head.bias": expected dtype F32, received "F64"/],
    [rewrite(good, (ts) => { const x = ts.find((y) => y.name === 'model/head.weight')!; x.shape = [x.shape[1], x.shape[0]]; }), /tensor "model\/head.weight": expected shape \[1, 6\]/],
    [rewrite(good, (ts) => { ts.find((y) => y.name === 'model/head.bias')!.data[0] = NaN; }), /"model\/head.bias" at index 0: expected a finite number, received NaN/],
    [rewrite(good, (ts) => { const h = ts.find((y) => y.name === 'history/steps')!; h.data = h.data.slice(6); h.shape = [9, 6]; }), /"history\/steps": expected 10 rows/],
    [rewrite(good, (ts) => { ts.find((y) => y.name === 'history/steps')!.data[5] = 7; }), /row 0 flags: expected 0, 1, 2 or 3/],
  ];
  const fresh = trainer({ model: {}, train: {} });
  const before = weights(fresh);
  for (const [i, [bytes, message]] of cases.entries()) {
    assert.throws(() => restoreCheckpoint(fresh, bytes), (e: unknown) => e instanceof RecurError && message.test(e.message), `case ${i}: ${message}`);
    assert.deepEqual(weights(fresh), before);
    assert.equal(fresh.loop.step, 0);
  }
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('a checkpoint directory: names by step, the last N kept, corrupt ones skipped with a warning, an earlier run never overwritten', () => {
  const dir = join(root, 'dir');
  const r: Run = { model: {}, train: { steps: 40 } };
  const t = trainer(r);
  const c = new Checkpointer(t, { dir, every: 7, keep: 2 });
  let saves = 0;
  for (const _ of t.run()) if (c.afterStep()) saves++;
  assert.equal(saves, 6); // 7, 14, 21, 28, 35 and the last step, 40
  assert.deepEqual(listCheckpoints(dir).map((x) => x.step), [40, 35]);
  assert.equal(checkpointName(500), 'ckpt-000500.safetensors');
  rejects(() => assertFresh(dir), /expected an empty or new directory for a new run, received 2 checkpoints of an earlier run \(newest ckpt-000040.safetensors\); resume it with --resume/);
  assertFresh(join(root, 'nowhere'));

  // a temporary file and a corrupt newest checkpoint: the next one is restored, the corrupt one named
  fs.writeFileSync(join(dir, '.ckpt-000045.safetensors.1.abc.tmp'), 'partial');
  const newest = join(dir, 'ckpt-000040.safetensors');
  const bytes = fs.readFileSync(newest);
  bytes[bytes.length - 1] ^= 1;
  fs.writeFileSync(newest, bytes);
  const skipped: string[] = [];
  const u = trainer(r);
  const info = new Checkpointer(u, { dir, onSkip: (f, why) => skipped.push(`${f}: ${why}`) }).resume();
  assert.equal(info?.step, 35);
  assert.equal(skipped.length, 1);
  assert.match(skipped[0], /ckpt-000040.safetensors: checkpoint "ckpt-000040.safetensors" checksum: expected SHA-256/);
  const whole = trainer(r);
  whole.train();
  u.train();
  assert.deepEqual(weights(u), weights(whole));

  // nothing usable: refused; nothing at all: a fresh start
  fs.writeFileSync(join(dir, 'ckpt-000035.safetensors'), 'junk');
  rejects(() => new Checkpointer(trainer(r), { dir, onSkip: () => {} }).resume(), /expected a checkpoint that reads and verifies, received only ckpt-000040.safetensors \(.*\); ckpt-000035.safetensors/);
  assert.equal(new Checkpointer(trainer(r), { dir: join(root, 'empty') }).resume(), null);
  rejects(() => new Checkpointer(t, { dir, every: 0 }), /checkpoint interval: expected a whole number of steps ≥ 1, received 0/);
});

test('after a resume, a save removes later checkpoints and temporary files of killed writers, and the metrics log goes on', () => {
  const dir = join(root, 'later');
  const log = join(root, 'metrics.jsonl');
  const r: Run = { model: {}, train: { steps: 30 }, metricsLog: log };
  const t = trainer(r);
  const c = new Checkpointer(t, { dir, every: 10, keep: 5, metricsLog: log });
  for (const _ of t.run()) c.afterStep();
  const wholeLog = fs.readFileSync(log, 'utf8');
  fs.unlinkSync(join(dir, 'ckpt-000020.safetensors'));
  fs.writeFileSync(join(dir, '.ckpt-000025.safetensors.1.abc.tmp'), 'partial');
  fs.appendFileSync(log, '{"type":"step","st'); // a line torn by a kill
  const u = trainer(r);
  const d = new Checkpointer(u, { dir, every: 10, keep: 5, metricsLog: log });
  assert.equal(d.resume()?.step, 30);
  fs.unlinkSync(join(dir, 'ckpt-000030.safetensors'));
  const v = trainer(r);
  const e = new Checkpointer(v, { dir, every: 10, keep: 5, metricsLog: log });
  assert.equal(e.resume()?.step, 10);
  fs.writeFileSync(join(dir, 'ckpt-000030.safetensors'), 'a later one, from another timeline');
  for (const _ of v.run()) e.afterStep();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['ckpt-000010.safetensors', 'ckpt-000020.safetensors', 'ckpt-000030.safetensors']);
  const timeless = (text: string): string => text.replace(/"seconds":[^,}]*/g, '');
  assert.equal(timeless(fs.readFileSync(log, 'utf8')), timeless(wholeLog));
});

function recur(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, RECUR_KERNELS: 'js' }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** argv with the value after `flag` replaced. */
function replaced(argv: string[], flag: string, value: string): string[] {
  const i = argv.indexOf(flag);
  return [...argv.slice(0, i + 1), value, ...argv.slice(i + 2)];
}

test('recur train: checkpoint flags, refusals with exit code 2 and one line', () => {
  const dir = join(root, 'cli');
  const base = ['train', '--task', 'adding', '--length', '6', '--hidden', '4', '--steps', '20', '--batch', '4', '--kernels', 'js'];
  const ok = recur(...base, '--checkpoint-dir', dir, '--checkpoint-every', '10', '--json');
  assert.equal(ok.code, 0, ok.err);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['ckpt-000010.safetensors', 'ckpt-000020.safetensors']);
  const cases: [string[], RegExp][] = [
    [[...base, '--resume'], /--resume: expected --checkpoint-dir DIR with it/],
    [[...base, '--checkpoint-every', '5'], /--checkpoint-every: expected --checkpoint-dir DIR with it/],
    [[...base, '--checkpoint-dir', dir, '--checkpoint-every', '0'], /--checkpoint-every: expected a whole number from 1/],
    [[...base, '--checkpoint-dir', dir], /expected an empty or new directory for a new run, received 2 checkpoints of an earlier run \(newest ckpt-000020.safetensors\)/],
    // (a flag given twice with two values is refused: the changed runs replace the base's value)
    [[...replaced(base, '--hidden', '5'), '--checkpoint-dir', dir, '--resume'], /is from a different run: model config field "hiddenSize": expected 5 \(this run's\), received 4/],
    [[...base, '--checkpoint-dir', dir, '--resume', '--lr', '0.5'], /training config field "optimizer.lr": expected 0.5/],
    [[...replaced(base, '--length', '7'), '--checkpoint-dir', dir, '--resume'], /task field "length": expected 7/],
  ];
  for (const [args, pattern] of cases) {
    const r = recur(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, stderr ${r.err}`);
    assert.match(r.err, pattern, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
  }
  // resuming a finished run: nothing more to train, the same result
  const again = recur(...base, '--checkpoint-dir', dir, '--resume', '--json');
  assert.equal(again.code, 0, again.err);
  assert.equal(JSON.parse(again.out.trim().split('\n').at(-1)!).valLoss, JSON.parse(ok.out.trim().split('\n').at(-1)!).valLoss);
});
