// Checkpoints: the whole state of a training run in one safetensors file, so that a run that
// stopped (killed, crashed, paused) goes on and ends with the same weights, bit for bit, as a run
// that never stopped. Files and directories (names, keeping the last N, resuming) are in
// checkpoint-dir.ts; this module turns a Trainer into bytes and bytes back into a Trainer.
//
// Tensors, in the model's dtype (F32 weights stay F32, exactly) unless marked F64:
//   model/<param>                         the weights
//   optimizer/<buffer>/<param>            optimizer moments (exp_avg, momentum_buffer, …)
//   guard/model/<param>                   the NaN guard's last good snapshot: weights …
//   guard/optimizer/<buffer>/<param>      … and optimizer moments
//   history/steps  F64 (steps, 6)         per step: step, loss, grad norm, lr, seconds, flags (1 clipped, 2 applied)
//   history/evals  F64 (evals, 6)         per evaluation: step, val loss, accuracy, has accuracy, solved, train loss
//   loop/recent    F64 (≤ 50)             the recent training losses behind the running train loss
// __metadata__ (strings):
//   format "recur-checkpoint", recur.version
//   recur.checkpoint  JSON: step; the RNG states of the trainer (its state is the data position:
//                     tasks draw batches from it) and of the model (dropout); loop counters;
//                     optimizer hyperparameters and step counts; schedule; adaptive clipper; NaN
//                     guard counters. Doubles through toF64 (exact, −0/NaN/±Infinity included).
//   recur.config      the model config;  recur.train  the training config (without metricsLog)
//   recur.task        the task's description;  recur.checksum  SHA-256 of all of the above
//
// Reading treats the file as hostile: inspectSafetensors' checks, the checksum, each JSON field
// read by its own reader, the configs compared with the live run's (a difference throws a
// CheckpointMismatch naming the field), every tensor name, dtype and shape checked against the
// live model, and the optimizer and schedule states loaded into throwaway copies first. Nothing in
// the trainer changes until all of that has passed.

import { RecurError, fail } from '../errors.js';
import { parseModelConfig } from '../model/config.js';
import { CONFIG_KEY, FORMAT_KEY, RECUR_VERSION, VERSION_KEY } from '../model/io.js';
import { brief, encodeSafetensors, inspectSafetensors, readTensor, type SafetensorsHeader, type TensorToWrite } from '../model/safetensors.js';
import { array, bool, f64, finite, firstDifference, int, object, oneOf, parseJsonText, plain, record, string, toF64, type JsonObject } from '../model/untrusted-json.js';
import type { Param } from '../tensor/param.js';
import { Rng, type RngState } from '../tensor/rng.js';
import type { NanGuardState } from './nan-guard.js';
import { Sha256 } from './sha256.js';
import { createOptimizer, type OptimizerState, type ParamState } from './optimizers.js';
import { createSchedule, type ScheduleState } from './schedules.js';
import type { EvalInfo, StepInfo, Trainer, TrainConfig } from './trainer.js';

export const CHECKPOINT_FORMAT = 'recur-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const STATE_KEY = 'recur.checkpoint';
export const TRAIN_KEY = 'recur.train';
export const TASK_KEY = 'recur.task';
export const CHECKSUM_KEY = 'recur.checksum';
/** The training config fields a resumed run must share with the checkpoint (all but metricsLog). */
const TRAIN_FIELDS = ['steps', 'batchSize', 'seed', 'optimizer', 'schedule', 'clip', 'bptt', 'evalEvery', 'earlyStopping', 'stopWhenSolved', 'nanGuard'] as const;
const BUFFERS: Readonly<Record<string, readonly string[]>> = {
  sgd: ['momentum_buffer'], adam: ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'], adamw: ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'],
  rmsprop: ['square_avg', 'grad_avg', 'momentum_buffer'], adagrad: ['sum'],
};
const COLS = 6;
const MAX_PARAMS = 10_000;

/** The checkpoint belongs to a run with other settings; the message names the first field that differs. */
export class CheckpointMismatch extends RecurError {}

export interface CheckpointInfo {
  step: number;
  /** The kernel set that wrote it (another set continues the run, but not bit for bit). */
  kernels: string;
}

type F = Float32Array | Float64Array;

// ---------------------------------------------------------------------------------------------
// Writing.

/** The trainer's whole state as checkpoint bytes (see the file header). */
export function checkpointToBytes(trainer: Trainer): Uint8Array {
  const { model, optimizer, schedule, guard, adaptive, autoclip, loop } = trainer;
  const dtype = model.kernels.dtype === 'float64' ? 'F64' : 'F32';
  const tensors: TensorToWrite[] = [];
  const add = (name: string, shape: number[], values: ArrayLike<number>, dt: 'F32' | 'F64' = dtype): void => {
    tensors.push({ name, dtype: dt, shape, data: dt === 'F32' ? Float32Array.from(values) : Float64Array.from(values) });
  };
  for (const p of model.params) add(`model/${p.name}`, [...p.shape], p.value);
  const opt = optimizerParts(optimizer.state(), 'optimizer', model.params, add);
  const g = guard.state();
  model.params.forEach((p, i) => add(`guard/model/${p.name}`, [...p.shape], g.snapshot.values[i]));
  const guardOpt = optimizerParts(g.snapshot.optimizer, 'guard/optimizer', model.params, add);

  const steps = loop.history.steps, evals = loop.history.evals;
  add('history/steps', [steps.length, COLS], steps.flatMap((s) => [s.step, s.loss, s.gradNorm, s.lr, s.seconds, (s.clipped ? 1 : 0) + (s.applied ? 2 : 0)]), 'F64');
  add('history/evals', [evals.length, COLS], evals.flatMap((e) => [e.step, e.valLoss, e.accuracy ?? 0, e.accuracy === null ? 0 : 1, e.solved ? 1 : 0, e.trainLoss]), 'F64');
  add('loop/recent', [loop.recent.length], loop.recent, 'F64');

  const seconds = loop.secondsBefore + (loop.startedAt ? (performance.now() - loop.startedAt) / 1000 : 0);
  const state = {
    version: CHECKPOINT_VERSION, step: loop.step, kernels: model.kernels.name,
    rng: trainer.rng.getState(), modelRng: model.rng.getState(),
    loop: { best: toF64(loop.best), sinceBest: loop.sinceBest, stoppedEarly: loop.stoppedEarly, done: loop.done, seconds: toF64(seconds) },
    optimizer: { kind: optimizer.kind, ...opt },
    schedule: schedule ? scheduleJson(schedule.state()) : null,
    clipper: adaptive ? { logEma: toF64(adaptive.state().logEma), count: adaptive.state().count } : autoclip ? autoclip.state() : null,
    guard: { skipped: g.skipped, rollbacks: g.rollbacks, lrScale: toF64(g.lrScale), badInARow: g.badInARow, goodSinceSnapshot: g.goodSinceSnapshot, optimizer: guardOpt },
  };
  const metadata: Record<string, string> = {
    [FORMAT_KEY]: CHECKPOINT_FORMAT, [VERSION_KEY]: RECUR_VERSION, [STATE_KEY]: JSON.stringify(state),
    [CONFIG_KEY]: JSON.stringify(model.config), [TRAIN_KEY]: JSON.stringify(trainJson(trainer.config)),
    [TASK_KEY]: JSON.stringify(trainer.task.describe()),
  };
  metadata[CHECKSUM_KEY] = checksum(metadata, tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, bytes: leBytes(t.data) })));
  return encodeSafetensors(tensors, metadata);
}

function optimizerParts(s: OptimizerState, prefix: string, params: readonly Param[], add: (name: string, shape: number[], v: ArrayLike<number>) => void): { hyper: Record<string, number | string>; steps: Record<string, number> } {
  const hyper: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(s.hyper)) hyper[k] = toF64(v);
  const steps: Record<string, number> = {};
  for (const name of Object.keys(s.params)) {
    const p = params.find((q) => q.name === name);
    if (!p) fail(`optimizer state of "${name}"`, 'a parameter of the model', name);
    steps[name] = s.params[name].step;
    for (const [buf, values] of Object.entries(s.params[name].buffers)) add(`${prefix}/${buf}/${name}`, [...p.shape], values);
  }
  return { hyper, steps };
}

function scheduleJson(s: ScheduleState): JsonObject {
  const p = s.plateau;
  return { kind: s.kind, step: s.step, ...(p ? { plateau: { lr: toF64(p.lr), best: p.best === null ? null : toF64(p.best), numBadEpochs: p.numBadEpochs, cooldownCounter: p.cooldownCounter } } : {}) };
}

function trainJson(c: TrainConfig): unknown {
  const out: JsonObject = {};
  for (const k of TRAIN_FIELDS) if (c[k] !== undefined) out[k] = c[k];
  return plain(out);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a typed array (as the file stores them). */
function leBytes(a: F): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) a instanceof Float32Array ? dv.setFloat32(4 * i, a[i], true) : dv.setFloat64(8 * i, a[i], true);
  return out;
}

/** SHA-256 over the metadata (but the checksum) and every tensor's name, dtype, shape and bytes, in sorted order. */
function checksum(metadata: Record<string, string>, tensors: { name: string; dtype: string; shape: readonly number[]; bytes: Uint8Array }[]): string {
  const h = new Sha256();
  for (const k of Object.keys(metadata).sort()) if (k !== CHECKSUM_KEY) h.update(`m\0${k}\0${metadata[k]}\0`);
  for (const t of [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    h.update(`t\0${t.name}\0${t.dtype}\0${t.shape.join(',')}\0`);
    h.update(t.bytes);
  }
  return h.digestHex();
}

/** The checksum a checkpoint's contents call for (what recur.checksum must hold); the file's layout is checked first. */
export function checkpointChecksum(bytes: Uint8Array): string {
  const header = inspectSafetensors(bytes);
  return checksum(header.metadata, [...header.tensors.values()].map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, bytes: bytes.subarray(header.dataStart + t.begin, header.dataStart + t.end) })));
}

// ---------------------------------------------------------------------------------------------
// Reading.

/**
 * Restores a checkpoint into `trainer`, which must have been built with the same model config,
 * training config and task as the run that wrote it (a CheckpointMismatch names the first field
 * that differs). Throws a RecurError on anything else wrong with the bytes; changes nothing then.
 */
export function restoreCheckpoint(trainer: Trainer, bytes: Uint8Array, source?: string): CheckpointInfo {
  const where = source === undefined ? 'checkpoint' : `checkpoint ${brief(source)}`;
  const header = inspectSafetensors(bytes);
  const m = header.metadata;
  if (m[FORMAT_KEY] !== CHECKPOINT_FORMAT) fail(`${where} metadata "${FORMAT_KEY}"`, `"${CHECKPOINT_FORMAT}" (a file written by a recur checkpoint)`, m[FORMAT_KEY] ?? 'none');
  const sum = checkpointChecksum(bytes);
  if (m[CHECKSUM_KEY] !== sum) fail(`${where} checksum`, `SHA-256 ${sum} of its contents`, m[CHECKSUM_KEY] ?? 'none');
  const text = (key: string): string => m[key] ?? fail(`${where} metadata`, `an entry "${key}"`, 'none');

  // the run's identity: model, training config, task
  const { model, config } = trainer;
  const savedModel = parseModelConfig(parseJsonText(text(CONFIG_KEY), `${where} model config`, 4));
  mismatch(where, 'model config', firstDifference(plain(model.config), plain(savedModel)));
  mismatch(where, 'training config', firstDifference(trainJson(config), parseJsonText(text(TRAIN_KEY), `${where} training config`, 6)));
  mismatch(where, 'task', firstDifference(plain(trainer.task.describe()), parseJsonText(text(TASK_KEY), `${where} task`, 2)));

  const w = `${where} state`;
  const s = object(parseJsonText(text(STATE_KEY), w, 5), w, ['version', 'step', 'kernels', 'rng', 'modelRng', 'loop', 'optimizer', 'schedule', 'clipper', 'guard']);
  int(s.version, `${w} field "version"`, CHECKPOINT_VERSION, CHECKPOINT_VERSION);
  const step = int(s.step, `${w} field "step"`, 0, config.steps);
  const kernels = string(s.kernels, `${w} field "kernels"`, 100);
  const rng = rngState(s.rng, `${w} field "rng"`), modelRng = rngState(s.modelRng, `${w} field "modelRng"`);
  const lo = object(s.loop, `${w} field "loop"`, ['best', 'sinceBest', 'stoppedEarly', 'done', 'seconds']);
  const best = f64(lo.best, `${w} field "loop.best"`);
  const sinceBest = int(lo.sinceBest, `${w} field "loop.sinceBest"`);
  const stoppedEarly = bool(lo.stoppedEarly, `${w} field "loop.stoppedEarly"`), done = bool(lo.done, `${w} field "loop.done"`);
  const seconds = finite(lo.seconds, `${w} field "loop.seconds"`);

  const kind = trainer.optimizer.kind;
  const o = object(s.optimizer, `${w} field "optimizer"`, ['kind', 'hyper', 'steps']);
  oneOf(o.kind, `${w} field "optimizer.kind"`, [kind]);
  const tensors = readTensors(bytes, header, trainer, where, kind);
  const optimizer = optimizerState(kind, o, 'optimizer', tensors, model.params, `${w} field "optimizer"`);
  const go = object(s.guard, `${w} field "guard"`, ['skipped', 'rollbacks', 'lrScale', 'badInARow', 'goodSinceSnapshot', 'optimizer']);
  const guard: NanGuardState = {
    skipped: int(go.skipped, `${w} field "guard.skipped"`, 0, step), rollbacks: int(go.rollbacks, `${w} field "guard.rollbacks"`, 0, step),
    lrScale: finite(go.lrScale, `${w} field "guard.lrScale"`), badInARow: int(go.badInARow, `${w} field "guard.badInARow"`),
    goodSinceSnapshot: int(go.goodSinceSnapshot, `${w} field "guard.goodSinceSnapshot"`),
    snapshot: { values: model.params.map((p) => tensors.get(`guard/model/${p.name}`)!), optimizer: optimizerState(kind, object(go.optimizer, `${w} field "guard.optimizer"`, ['hyper', 'steps']), 'guard/optimizer', tensors, model.params, `${w} field "guard.optimizer"`) },
  };
  const schedule = scheduleState(s.schedule, trainer, `${w} field "schedule"`);
  let clipper: { logEma: number; count: number } | null = null;
  let autoNorms: number[] | null = null;
  const stateful = trainer.adaptive ?? trainer.autoclip;
  if ((s.clipper === null) !== (stateful === null)) fail(`${w} field "clipper"`, stateful ? 'the adaptive clipper\'s state' : 'null (this run does not clip adaptively)', s.clipper);
  if (s.clipper !== null && trainer.autoclip) {
    const c = object(s.clipper, `${w} field "clipper"`, ['norms']);
    if (!Array.isArray(c.norms) || c.norms.length > step) fail(`${w} field "clipper.norms"`, `an array of at most ${step} norms`, c.norms);
    autoNorms = (c.norms as unknown[]).map((x, i) => finite(x, `${w} field "clipper.norms[${i}]"`));
    autoNorms.forEach((x, i) => { if (!(x > 0)) fail(`${w} field "clipper.norms[${i}]"`, 'a norm > 0', x); });
  } else if (s.clipper !== null) {
    const c = object(s.clipper, `${w} field "clipper"`, ['logEma', 'count']);
    clipper = { logEma: finite(c.logEma, `${w} field "clipper.logEma"`), count: int(c.count, `${w} field "clipper.count"`) };
  }
  const history = historyOf(tensors, step, w);

  // everything that can still refuse, on throwaway copies
  const check = (what: string, f: () => void): void => {
    try { f(); } catch (e) { throw new RecurError(`${w} ${what}: ${e instanceof Error ? e.message : String(e)}`); }
  };
  check('optimizer', () => createOptimizer(config.optimizer).loadState(optimizer));
  check('guard.optimizer', () => createOptimizer(config.optimizer).loadState(guard.snapshot.optimizer));
  if (schedule && config.schedule) check('schedule', () => createSchedule(config.schedule!, trainer.optimizer.lr).loadState(schedule));

  // apply: the guard checks its state whole before it changes anything; nothing after it can fail
  trainer.guard.loadState(guard);
  trainer.optimizer.loadState(optimizer);
  if (schedule) trainer.schedule!.loadState(schedule);
  if (clipper) trainer.adaptive!.loadState(clipper);
  if (autoNorms) trainer.autoclip!.loadState({ norms: autoNorms });
  trainer.rng.setState(rng);
  model.rng.setState(modelRng);
  for (const p of model.params) p.value.set(tensors.get(`model/${p.name}`)!);
  Object.assign(trainer.loop, {
    step, best, sinceBest, stoppedEarly, done, recent: Array.from(tensors.get('loop/recent')!), history,
    last: history.evals.at(-1) ?? null, startedAt: 0, secondsBefore: seconds,
  });
  return { step, kernels };
}

function mismatch(where: string, what: string, d: { path: string; live: string; saved: string } | null): void {
  if (d) throw new CheckpointMismatch(`${where} is from a different run: ${what} field "${d.path}": expected ${d.live} (this run's), received ${d.saved} (the checkpoint's)`);
}

function rngState(v: unknown, where: string): RngState {
  const a = array(v, where, 4, 4).map((x, i) => int(x, `${where}[${i}]`, 0, 0xffffffff));
  if (a.every((x) => x === 0)) fail(where, 'four uint32 words, not all zero', '[0, 0, 0, 0]');
  new Rng().setState(a as unknown as RngState);
  return a as unknown as RngState;
}

/** Every tensor of the file, checked: names, dtypes and shapes the live run expects, finite weights. */
function readTensors(bytes: Uint8Array, header: SafetensorsHeader, trainer: Trainer, where: string, kind: string): Map<string, F> {
  const { model } = trainer;
  const dtype = model.kernels.dtype === 'float64' ? 'F64' : 'F32';
  const expected = new Map<string, { dtype: string; shape: number[] | null; required: boolean; finite: boolean }>();
  for (const p of model.params) {
    expected.set(`model/${p.name}`, { dtype, shape: [...p.shape], required: true, finite: true });
    expected.set(`guard/model/${p.name}`, { dtype, shape: [...p.shape], required: true, finite: true });
    for (const b of BUFFERS[kind] ?? []) {
      for (const prefix of ['optimizer', 'guard/optimizer']) expected.set(`${prefix}/${b}/${p.name}`, { dtype, shape: [...p.shape], required: false, finite: true });
    }
  }
  for (const n of ['history/steps', 'history/evals', 'loop/recent']) expected.set(n, { dtype: 'F64', shape: null, required: true, finite: false });
  const unexpected = [...header.tensors.keys()].filter((n) => !expected.has(n));
  const missing = [...expected].filter(([n, e]) => e.required && !header.tensors.has(n)).map(([n]) => n);
  if (unexpected.length || missing.length) {
    const list = (xs: string[]): string => (xs.length ? xs.slice(0, 10).map((x) => brief(x)).join(', ') + (xs.length > 10 ? `, … (${xs.length})` : '') : 'none');
    throw new RecurError(`${where}: expected the tensors of this model and a ${kind} optimizer, received missing: ${list(missing)}; unexpected: ${list(unexpected)}`);
  }
  const out = new Map<string, F>();
  for (const info of header.tensors.values()) {
    const e = expected.get(info.name)!;
    const t = `${where} tensor ${brief(info.name)}`;
    if (info.dtype !== e.dtype) fail(t, `dtype ${e.dtype}`, info.dtype);
    if (e.shape) {
      if (info.shape.length !== e.shape.length || info.shape.some((d, i) => d !== e.shape![i])) fail(t, `shape [${e.shape.join(', ')}]`, info.shape);
    } else if (info.shape.length !== (info.name === 'loop/recent' ? 1 : 2) || (info.shape.length === 2 && info.shape[1] !== COLS)) {
      fail(t, info.name === 'loop/recent' ? 'a vector' : `shape [rows, ${COLS}]`, info.shape);
    }
    const data = readTensor(bytes, header, info);
    if (e.finite) for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) fail(`${t} at index ${i}`, 'a finite number', data[i]);
    out.set(info.name, data);
  }
  return out;
}

function optimizerState(kind: string, o: JsonObject, prefix: string, tensors: Map<string, F>, params: readonly Param[], where: string): OptimizerState {
  const hyper = record(o.hyper, `${where}.hyper`, 16, (v, wh) => finite(v, wh));
  const steps = record(o.steps, `${where}.steps`, MAX_PARAMS, (v, wh, name) => {
    if (!params.some((p) => p.name === name)) fail(wh, 'the step count of a parameter of the model', name);
    return int(v, wh);
  });
  const slots = Object.create(null) as Record<string, ParamState>;
  for (const name of Object.keys(steps)) slots[name] = { step: steps[name], buffers: Object.create(null) as Record<string, number[]> };
  for (const [n, data] of tensors) {
    if (!n.startsWith(`${prefix}/`)) continue;
    const rest = n.slice(prefix.length + 1);
    const slash = rest.indexOf('/');
    const buf = rest.slice(0, slash), name = rest.slice(slash + 1);
    const ps = slots[name];
    if (!ps) fail(`${where}.steps`, `a step count for "${name}" (it has a ${buf} tensor)`, 'none');
    ps.buffers[buf] = Array.from(data);
  }
  return { kind: kind as OptimizerState['kind'], hyper, params: slots };
}

function scheduleState(v: unknown, trainer: Trainer, where: string): ScheduleState | null {
  if ((v === null) !== (trainer.schedule === null)) fail(where, trainer.schedule ? 'the schedule\'s state' : 'null (this run has no schedule)', v);
  if (v === null) return null;
  const o = object(v, where, ['kind', 'step'], ['plateau']);
  const s: ScheduleState = { kind: oneOf(o.kind, `${where}.kind`, [trainer.schedule!.kind]), step: int(o.step, `${where}.step`) };
  if (o.plateau !== undefined) {
    const p = object(o.plateau, `${where}.plateau`, ['lr', 'best', 'numBadEpochs', 'cooldownCounter']);
    s.plateau = {
      lr: finite(p.lr, `${where}.plateau.lr`), best: p.best === null ? null : f64(p.best, `${where}.plateau.best`),
      numBadEpochs: int(p.numBadEpochs, `${where}.plateau.numBadEpochs`), cooldownCounter: int(p.cooldownCounter, `${where}.plateau.cooldownCounter`),
    };
  }
  return s;
}

function historyOf(tensors: Map<string, F>, step: number, where: string): { steps: StepInfo[]; evals: EvalInfo[] } {
  const st = tensors.get('history/steps')!, ev = tensors.get('history/evals')!, recent = tensors.get('loop/recent')!;
  if (st.length !== step * COLS) fail(`${where} tensor "history/steps"`, `${step} rows (one per step taken)`, `${st.length / COLS}`);
  if (recent.length > 50) fail(`${where} tensor "loop/recent"`, 'at most 50 losses', recent.length);
  for (let i = 0; i < recent.length; i++) if (!Number.isFinite(recent[i])) fail(`${where} tensor "loop/recent" at index ${i}`, 'a finite loss', recent[i]);
  const steps: StepInfo[] = [];
  for (let i = 0; i < step; i++) {
    const r = st.subarray(i * COLS, (i + 1) * COLS);
    if (r[0] !== i + 1) fail(`${where} tensor "history/steps" row ${i}`, `step ${i + 1}`, r[0]);
    if (!(r[5] === 0 || r[5] === 1 || r[5] === 2 || r[5] === 3)) fail(`${where} tensor "history/steps" row ${i} flags`, '0, 1, 2 or 3', r[5]);
    steps.push({ step: r[0], loss: r[1], gradNorm: r[2], clipped: (r[5] & 1) === 1, lr: r[3], applied: (r[5] & 2) === 2, seconds: r[4] });
  }
  const evals: EvalInfo[] = [];
  let prev = 0;
  for (let i = 0; i < ev.length / COLS; i++) {
    const r = ev.subarray(i * COLS, (i + 1) * COLS);
    const at = `${where} tensor "history/evals" row ${i}`;
    if (!(Number.isInteger(r[0]) && r[0] >= prev && r[0] <= step && r[0] >= 1)) fail(`${at} step`, `a step in [${Math.max(prev, 1)}, ${step}]`, r[0]);
    if (!(r[3] === 0 || r[3] === 1) || !(r[4] === 0 || r[4] === 1)) fail(`${at} flags`, '0 or 1', `${r[3]}, ${r[4]}`);
    if (r[3] === 1 && !(r[2] >= 0 && r[2] <= 1)) fail(`${at} accuracy`, 'a number in [0, 1]', r[2]);
    evals.push({ step: r[0], valLoss: r[1], accuracy: r[3] === 1 ? r[2] : null, solved: r[4] === 1, trainLoss: r[5] });
    prev = r[0];
  }
  return { steps, evals };
}
