// Command-line flags → typed configs. Every flag is validated here, once; what comes out is typed
// and trusted. A bad flag is a UsageError: the CLI prints its one line and exits with code 2.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CellKind } from '../cells/cell.js';
import type { Activation } from '../kernels/types.js';
import { ACTIVATIONS, CELL_KINDS, cellSpec } from '../cells/table.js';
import { checkStructure } from '../layers/stack.js';
import { MAX_DILATION, type InitConfig, type ModelConfig } from '../model/config.js';
import { DEFAULT_MAX_INPUT_MB } from '../node/read-limited.js';
import { INIT_KINDS, type InitKind } from '../tensor/init.js';
import { CSV_FILLS } from '../tasks/csv-parse.js';
import type { TaskConfig } from '../tasks/index.js';
import type { ClipConfig, TrainConfig } from '../train/trainer.js';
import type { OptimizerConfig } from '../train/optimizers.js';
import type { ScheduleConfig } from '../train/schedules.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export const TASK_OPTIONS: Options = {
  task: { type: 'string' }, length: { type: 'string' }, text: { type: 'string' }, seq: { type: 'string' },
  'shuffle-lines': { type: 'boolean' }, 'data-dir': { type: 'string' }, 'val-size': { type: 'string' }, csv: { type: 'string' }, column: { type: 'string' }, window: { type: 'string' }, horizon: { type: 'string' },
  lines: { type: 'boolean' }, 'val-text': { type: 'string' }, 'val-indices': { type: 'string' }, columns: { type: 'string' }, target: { type: 'string' }, fill: { type: 'string' },
  delimiter: { type: 'string' }, 'max-input-mb': { type: 'string' },
};
export const MODEL_OPTIONS: Options = {
  cell: { type: 'string' }, activation: { type: 'string' }, leak: { type: 'string' }, hidden: { type: 'string' },
  layers: { type: 'string' }, bidirectional: { type: 'boolean' }, dropout: { type: 'string' }, init: { type: 'string' },
  'init-scale': { type: 'string' }, 'forget-bias': { type: 'string' }, preset: { type: 'string' }, embed: { type: 'string' },
  dilations: { type: 'string' }, residual: { type: 'boolean' }, skip: { type: 'boolean' }, budget: { type: 'string' },
  'recurrent-max': { type: 'string' },
};
export const TRAINING_OPTIONS: Options = {
  optimizer: { type: 'string' }, lr: { type: 'string' }, 'weight-decay': { type: 'string' }, schedule: { type: 'string' },
  warmup: { type: 'string' }, 'clip-norm': { type: 'string' }, 'clip-value': { type: 'string' }, 'clip-adaptive': { type: 'string' },
  'clip-agc': { type: 'string' }, 'clip-auto': { type: 'string' }, steps: { type: 'string' }, epochs: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' }, bptt: { type: 'string' },
  'eval-every': { type: 'string' }, 'no-stop': { type: 'boolean' }, 'stop-when-solved': { type: 'boolean' }, 'metrics-log': { type: 'string' },
};
export const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
export const SCHEDULES = ['constant', 'step', 'exponential', 'cosine', 'plateau', 'onecycle'] as const;
export const PRESETS: Readonly<Record<string, string>> = { irnn: 'relu RNN, identity initialisation, clip-norm 1, lr 1e-4 (Le et al. 2015)' };
/** Tasks that draw fresh sequences every step: training stops once they are solved unless --no-stop. */
export const SYNTHETIC_TASKS: readonly string[] = ['adding', 'copy', 'order'];
export const RUNTIME_OPTIONS: Options = {
  kernels: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
};

export function parse(argv: string[], options: Options, positionals = false): { values: Values; positionals: string[] } {
  let r: ReturnType<typeof parseArgs>;
  try {
    r = parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals: positionals, tokens: true });
  } catch (e) {
    // node's messages can run over several lines; the CLI promises one
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    throw new UsageError(msg);
  }
  // parseArgs keeps the last of a flag given twice: two different values are a mistake to name
  const seen = new Map<string, string>();
  for (const t of r.tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    const before = seen.get(t.name);
    if (before !== undefined && before !== t.value) throw new UsageError(`--${t.name}: expected one value, received "${before}" and "${t.value}"`);
    seen.set(t.name, t.value);
  }
  return { values: r.values as Values, positionals: r.positionals };
}

/**
 * `--lr -0.1` as `--lr=-0.1`: parseArgs reads a value that starts with a dash as a flag and calls
 * the option "ambiguous"; a number (or -Infinity, -NaN) after a flag that takes a value is its value,
 * so the range check can say what was expected.
 */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && options[a.slice(2)]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity|NaN)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

export function int(v: Values, name: string, def: number, min = 1, max = 1e9): number {
  const s = str(v, name);
  if (s === undefined) return def;
  const n = Number(s);
  if (!/^-?\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, received "${s}"`);
  return n;
}

export function num(v: Values, name: string, def: number | undefined, min = -Infinity, max = Infinity, exclusiveMin = false): number | undefined {
  const s = str(v, name);
  if (s === undefined) return def;
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n < min || n > max || (exclusiveMin && n === min)) {
    throw new UsageError(`--${name}: expected a number ${exclusiveMin ? '>' : '≥'} ${min}${max < Infinity ? ` and ≤ ${max}` : ''}, received "${s}"`);
  }
  return n;
}

export function choice<T extends string>(v: Values, name: string, allowed: readonly T[], def: T): T {
  const s = str(v, name);
  if (s === undefined) return def;
  if (!(allowed as readonly string[]).includes(s)) throw new UsageError(`--${name}: expected one of ${allowed.join(', ')}, received "${s}"`);
  return s as T;
}

/** The task of the flags; `modelColumns`: a CSV task may leave its columns to a saved model (eval). */
export function taskConfig(v: Values, required = true, modelColumns = false): TaskConfig | null {
  const kind = str(v, 'task');
  if (kind === undefined) {
    if (required) throw new UsageError('--task: expected one of adding, copy, order, text, csv, smnist, pmnist, sfmnist, pfmnist (see recur train --help)');
    return null;
  }
  const kinds = ['adding', 'copy', 'order', 'text', 'csv', 'smnist', 'pmnist', 'sfmnist', 'pfmnist'] as const;
  if (!(kinds as readonly string[]).includes(kind)) throw new UsageError(`--task: expected one of ${kinds.join(', ')}, received "${kind}"`);
  for (const [flags, tasks] of TASK_FLAGS) {
    for (const f of flags) if (v[f] !== undefined && !tasks.includes(kind)) throw new UsageError(`--${f}: only for --task ${tasks.join(' or ')}, received --task ${kind}`);
  }
  const maxBytes = int(v, 'max-input-mb', DEFAULT_MAX_INPUT_MB, 1, 1 << 20) * 2 ** 20;
  const k = kind as (typeof kinds)[number];
  switch (k) {
    case 'adding': case 'copy': case 'order':
      return { kind: k, length: int(v, 'length', k === 'adding' ? 100 : k === 'copy' ? 50 : 100, 2, 100000) };
    case 'text': {
      const file = str(v, 'text');
      if (!file) throw new UsageError('--task text: expected --text FILE');
      if (v.lines === true) {
        for (const f of ['seq', 'shuffle-lines']) if (v[f] !== undefined) throw new UsageError(`--${f}: not with --lines (each line is its own sequence, the held-out lines are drawn at random)`);
        const valFile = str(v, 'val-text'), valIndices = str(v, 'val-indices');
        if (valFile !== undefined && valIndices !== undefined) throw new UsageError('--val-text and --val-indices: expected one of them');
        return { kind: k, file, lines: true, ...(valFile ? { valFile } : {}), ...(valIndices ? { valIndices } : {}), maxBytes };
      }
      for (const f of ['val-text', 'val-indices']) if (v[f] !== undefined) throw new UsageError(`--${f}: expected --lines with it (held-out items of a file of one item per line)`);
      return { kind: k, file, seq: int(v, 'seq', 64, 2, 100000), shuffleLines: v['shuffle-lines'] === true, maxBytes };
    }
    case 'smnist': case 'pmnist': case 'sfmnist': case 'pfmnist': {
      const dir = str(v, 'data-dir');
      return dir === undefined ? { kind: k } : { kind: k, dir };
    }
    default: {
      const file = str(v, 'csv');
      const column = str(v, 'column'), columns = str(v, 'columns');
      if (!file || (!column && !columns && !modelColumns)) throw new UsageError('--task csv: expected --csv FILE and --column NAME (or --columns A,B [--target B])');
      if (column && columns) throw new UsageError('--column and --columns: expected one of them');
      const list = (flag: string): string[] => {
        const names = str(v, flag)!.split(',').map((c) => c.trim());
        if (names.some((c) => c === '')) throw new UsageError(`--${flag}: expected column names separated by commas, received "${str(v, flag)}"`);
        return names;
      };
      if (v.target !== undefined && !columns) throw new UsageError('--target: expected --columns with it (with --column the one column is the target)');
      const fill = choice(v, 'fill', CSV_FILLS, 'error');
      const delim = choice(v, 'delimiter', ['auto', 'comma', 'semicolon', 'tab'] as const, 'auto');
      const delimiter = delim === 'comma' ? ',' : delim === 'semicolon' ? ';' : delim === 'tab' ? '\t' : undefined;
      return {
        kind: 'csv', file, ...(columns ? { columns: list('columns'), ...(v.target !== undefined ? { target: list('target') } : {}) } : column ? { column } : {}),
        window: int(v, 'window', 32, 1, 100000), horizon: int(v, 'horizon', 1, 1, 100000),
        ...(fill !== 'error' ? { fill } : {}), ...(delimiter ? { delimiter } : {}), maxBytes,
      };
    }
  }
}

/** Task flags and the tasks they mean something for. */
const TASK_FLAGS: readonly [readonly string[], readonly string[]][] = [
  [['length'], ['adding', 'copy', 'order']],
  [['text', 'seq', 'shuffle-lines', 'lines', 'val-text', 'val-indices'], ['text']],
  [['csv', 'column', 'columns', 'target', 'fill', 'delimiter', 'window', 'horizon'], ['csv']],
  [['max-input-mb'], ['text', 'csv']],
  [['data-dir'], ['sfmnist', 'pfmnist']],
  [['val-size'], ['adding', 'copy', 'order', 'smnist', 'pmnist', 'sfmnist', 'pfmnist']],
];

/** Model flags that depend on the task: refused where they would do nothing, or do harm. */
export function checkModelForTask(v: Values, task: TaskConfig): void {
  if (v.embed !== undefined && task.kind !== 'text') throw new UsageError(`--embed: only for --task text (token inputs), received --task ${task.kind}`);
  if (v.bidirectional === true && task.kind === 'text') {
    throw new UsageError('--bidirectional: not for --task text (a next-character model that reads the future learns to copy it, and cannot sample)');
  }
}

/** The model options, without the input/output sizes (those come from the task). */
export type ModelOptions = Omit<ModelConfig, 'input' | 'outputSize' | 'outputMode'> & { embedDim?: number };

export function modelOptions(v: Values): ModelOptions {
  const preset = str(v, 'preset');
  if (preset !== undefined && preset !== 'irnn') throw new UsageError(`--preset: expected irnn, received "${preset}"`);
  const irnn = preset === 'irnn';
  const cell: CellKind = choice(v, 'cell', CELL_KINDS, irnn ? 'rnn' : 'lstm');
  if (irnn && cell !== 'rnn') throw new UsageError(`--preset irnn: only for --cell rnn (IRNN is a relu RNN with identity init), received --cell ${cell}`);
  const activation: Activation = choice(v, 'activation', ACTIVATIONS, irnn ? 'relu' : 'tanh');
  if (cell !== 'rnn' && v.activation !== undefined) throw new UsageError(`--activation: only for --cell rnn (an ${cell} has its own gate activations)`);
  if (v.leak !== undefined && (cell !== 'rnn' || activation !== 'leaky_relu')) throw new UsageError(`--leak: only for --cell rnn --activation leaky_relu, received --cell ${cell}${cell === 'rnn' ? ` --activation ${activation}` : ''}`);
  const initKind: InitKind = choice(v, 'init', INIT_KINDS, irnn ? 'identity' : 'default');
  const init: InitConfig = { recurrent: initKind };
  const scale = num(v, 'init-scale', irnn ? 1 : undefined, -100, 100);
  if (scale !== undefined) init.scale = scale;
  const fb = num(v, 'forget-bias', undefined, -100, 100);
  if (fb !== undefined) {
    if (cellSpec(cell).forgetGate === null) throw new UsageError(`--forget-bias: only for cells with a forget gate (${CELL_KINDS.filter((c) => cellSpec(c).forgetGate !== null).join(', ')})`);
    init.forgetBias = fb;
  }
  const o: ModelOptions = {
    cell, hiddenSize: int(v, 'hidden', 64, 1, 65536), numLayers: int(v, 'layers', 1, 1, 64),
    bidirectional: v.bidirectional === true, dropout: num(v, 'dropout', 0, 0, 0.95),
    init: initKind === 'default' && fb === undefined && scale === undefined ? undefined : init,
  };
  skipOptions(v, o);
  if (v.dropout !== undefined && (o.numLayers ?? 1) < 2) throw new UsageError('--dropout: only for --layers 2 or more (dropout acts between stacked layers)');
  const rmax = num(v, 'recurrent-max', undefined, 0, 1e6, true);
  if (rmax !== undefined) {
    if (cellSpec(cell).recurrent !== 'vector') throw new UsageError('--recurrent-max: only for --cell indrnn (the bound on its recurrent weights u)');
    o.recurrentMax = rmax;
  }
  if (cell === 'rnn') {
    o.activation = activation;
    if (activation === 'leaky_relu') o.leak = num(v, 'leak', 0.01, 0, 1, true);
  }
  const embed = str(v, 'embed');
  if (embed !== undefined) o.embedDim = int(v, 'embed', 32, 1, 65536);
  return o;
}

/** --dilations, --residual, --skip [--budget]: into o (the number of layers follows --dilations). */
function skipOptions(v: Values, o: ModelOptions): void {
  const dil = str(v, 'dilations');
  if (dil !== undefined) {
    const ds = dil.split(',').map((d) => d.trim());
    if (!ds.every((d) => /^\d+$/.test(d) && Number(d) >= 1 && Number(d) <= MAX_DILATION)) throw new UsageError(`--dilations: expected whole numbers from 1 to ${MAX_DILATION} separated by commas (one per layer, e.g. 1,2,4,8), received "${dil}"`);
    if (ds.length > 64) throw new UsageError(`--dilations: expected at most 64 layers, received ${ds.length}`);
    o.dilations = ds.map(Number);
    if (v.layers === undefined) o.numLayers = ds.length;
  }
  if (v.residual === true) o.residual = true;
  if (v.budget !== undefined && v.skip !== true) throw new UsageError('--budget: expected --skip as well (λ is the Skip RNN budget loss weight)');
  if (v.skip === true) {
    o.skip = { budget: num(v, 'budget', 1e-5, 0, 1e6)! };
  }
  checkStructure(o, { owner: '', skip: '--skip', bidirectional: '--bidirectional', dilations: '--dilations', layers: '--layers ' });
}

export function trainConfig(v: Values, defaults: { steps: number; lr: number; irnn: boolean; synthetic?: boolean }): TrainConfig & { stepsGiven: boolean; metricsLog?: string } {
  const kind = choice(v, 'optimizer', OPTIMIZERS, 'adam');
  const lr = num(v, 'lr', defaults.lr, 0, 1e6, true)!;
  const weightDecay = num(v, 'weight-decay', undefined, 0, 1e6);
  const optimizer = { kind, lr, ...(weightDecay !== undefined ? { weightDecay } : {}) } as OptimizerConfig;
  const clips = ['clip-norm', 'clip-value', 'clip-adaptive', 'clip-agc', 'clip-auto'].filter((f) => v[f] !== undefined);
  if (clips.length > 1) throw new UsageError(`--${clips[0]} and --${clips[1]}: expected at most one clipping flag`);
  let clip: ClipConfig = defaults.irnn ? { kind: 'norm', maxNorm: 1 } : { kind: 'none' };
  if (v['clip-norm'] !== undefined) clip = { kind: 'norm', maxNorm: num(v, 'clip-norm', 1, 0, Infinity, true)! };
  if (v['clip-value'] !== undefined) clip = { kind: 'value', value: num(v, 'clip-value', 1, 0, Infinity, true)! };
  if (v['clip-adaptive'] !== undefined) clip = { kind: 'adaptive', factor: num(v, 'clip-adaptive', 2, 0, Infinity, true)! };
  if (v['clip-agc'] !== undefined) clip = { kind: 'agc', factor: num(v, 'clip-agc', 0.01, 0, Infinity, true)! };
  if (v['clip-auto'] !== undefined) clip = { kind: 'autoclip', percentile: num(v, 'clip-auto', 10, 0, 100, true)! };
  if (v.steps !== undefined && v.epochs !== undefined) throw new UsageError('--steps and --epochs: expected one of them, not both');
  const steps = int(v, 'steps', defaults.steps, 1, 1e9);
  const batchSize = int(v, 'batch', 32, 1, 1e6);
  const warmup = v.warmup !== undefined ? { iters: int(v, 'warmup', 0, 1, 1e9) } : undefined;
  const schedKind = choice(v, 'schedule', SCHEDULES, 'constant');
  let schedule: ScheduleConfig | undefined;
  switch (schedKind) {
    case 'constant': schedule = warmup ? { kind: 'constant', warmup } : undefined; break;
    case 'step': schedule = { kind: 'step', stepSize: Math.max(1, Math.floor(steps / 4)), gamma: 0.5, warmup }; break;
    case 'exponential': schedule = { kind: 'exponential', gamma: Math.pow(0.01, 1 / steps), warmup }; break;
    case 'cosine': schedule = { kind: 'cosine', tMax: steps, etaMin: lr / 100, warmup }; break;
    case 'plateau': schedule = { kind: 'plateau', factor: 0.5, patience: 3, warmup }; break;
    case 'onecycle': schedule = { kind: 'onecycle', maxLr: lr, totalSteps: steps + 1, warmup }; break;
  }
  const bptt = v.bptt !== undefined ? int(v, 'bptt', 1, 1, 1e9) : undefined;
  return {
    steps, batchSize, seed: int(v, 'seed', 1, 0, 2 ** 32 - 1), optimizer, schedule, clip, bptt,
    evalEvery: v['eval-every'] !== undefined ? int(v, 'eval-every', 1, 1, 1e9) : undefined,
    // synthetic tasks stop once solved (--no-stop runs on); data tasks train what was asked unless --stop-when-solved
    stopWhenSolved: v['stop-when-solved'] === true || (defaults.synthetic !== false && v['no-stop'] !== true), metricsLog: str(v, 'metrics-log'), stepsGiven: v.steps !== undefined,
  };
}
