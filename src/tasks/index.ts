// The tasks recur trains on, chosen by a plain-data TaskConfig (what the CLI and saved models
// carry), and built by createTask.
//
// Synthetic tasks (adding, copy, order) draw training batches from the trainer's RNG and keep a
// fixed validation set of DEFAULT_VAL_SIZE sequences (in batches of VAL_BATCH) drawn from their
// own RNG, seeded by validationSeed(seed): the same seed gives the same validation set, and it never
// shares a stream with the trainer's `new Rng(seed)`. The set is kept in memory, so for very long
// sequences it is cut to what fits in VAL_BUDGET_BYTES (at least one sequence; describe() reports
// the size used). File tasks (text, csv) validate on the held-out end of their file, so valSize
// does not apply to them.

import { RecurError, fail } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { AddingTask } from './adding.js';
import { CopyTask } from './copy.js';
import { CsvTask, checkWindow } from './csv.js';
import type { ColumnNorm } from './arrays.js';
import type { CsvDelimiter, CsvFill } from './csv-parse.js';
import { LinesTask, splitLines } from './lines.js';
import { parseIndexList } from './names.js';
import { OrderTask } from './order.js';
import type { Task } from './task.js';
import { TextTask, checkSeq } from './text.js';
import { IMAGE_TASKS, imageTask, type ImageTaskKind, type LoadImages } from './image-tasks.js';

export { AddingTask, ADDING_BASELINE } from './adding.js';
export { CopyTask, copyBaseline } from './copy.js';
export { CsvTask, parseCsvColumn } from './csv.js';
export { OrderTask, orderPositions } from './order.js';
export { TextTask } from './text.js';
export type { Accuracy, Batch, Task } from './task.js';

/** File tasks' `maxBytes`: the largest file the reader accepts (the Node room's: default 64 MiB). */
export type TaskConfig =
  | { kind: 'adding'; length: number }
  | { kind: 'copy'; length: number }
  | { kind: 'order'; length: number }
  | { kind: 'text'; file: string; seq?: number; shuffleLines?: boolean; lines?: false; maxBytes?: number; trainShare?: number; valCap?: number }
  | { kind: 'text'; file: string; lines: true; valFile?: string; valIndices?: string; maxBytes?: number }
  | CsvTaskConfig
  | { kind: ImageTaskKind; dir?: string };

/** One column (`column`), or several read (`columns`) and one or more predicted (`target`, default the columns). */
export type CsvTaskConfig = {
  kind: 'csv'; file: string; column?: string; columns?: string[]; target?: string[]; window?: number; horizon?: number; fill?: CsvFill; delimiter?: CsvDelimiter; maxBytes?: number;
};

export type TaskKind = TaskConfig['kind'];
export const TASK_KINDS: readonly TaskKind[] = ['adding', 'copy', 'order', 'text', 'csv', ...IMAGE_TASKS];

export interface CreateTaskOptions {
  /** The run's seed; synthetic validation sets are drawn from validationSeed(seed). */
  seed: number;
  /** Validation sequences of a synthetic task; default DEFAULT_VAL_SIZE. */
  valSize?: number;
  /**
   * The text of a file task's `file` (the core reads no files: the Node room's createTask passes
   * its UTF-8 file reader). `what` names the file's role for messages ("text file", "CSV file").
   */
  readText?: (file: string, what: string) => string;
  /** The image tasks' data (node/datasets.ts loadImages: the core reads no files). */
  loadImages?: LoadImages;
  /** Text tasks: a saved model's vocabulary instead of the text's own characters. */
  vocab?: readonly string[];
  /** CSV tasks: a saved model's normalisation of each used column. */
  norm?: ColumnNorm;
}

/** How a synthetic task draws its fixed validation set. */
import type { ValidationSpec } from './validation.js';
export type { ValidationSpec } from './validation.js';

export const DEFAULT_VAL_SIZE = 1000;
export const VAL_BATCH = 250;
/** Sequence steps in one synthetic validation batch at most (250 × 1024): longer sequences come in smaller
 *  batches, so that evaluating adding at T = 5000 fits the kernels' memory as training does. */
export const VAL_BATCH_STEPS = VAL_BATCH * 1024;
/** Memory allowed for a synthetic validation set (inputs and targets, float64): 256 MiB. */
export const VAL_BUDGET_BYTES = 256 * 2 ** 20;
/** Longest synthetic sequence accepted. */
export const MAX_SYNTHETIC_LENGTH = 100000;

/** The validation RNG's seed: a fixed 32-bit mix of the run's seed (murmur3's finaliser). */
export function validationSeed(seed: number): number {
  let h = (seed ^ 0x56414c31) >>> 0; // "VAL1"
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function createTask(config: Extract<TaskConfig, { kind: 'text'; lines?: false }>, opts: CreateTaskOptions): TextTask;
export function createTask(config: Extract<TaskConfig, { kind: 'csv' }>, opts: CreateTaskOptions): CsvTask;
export function createTask(config: TaskConfig, opts: CreateTaskOptions): Task;
export function createTask(config: TaskConfig, opts: CreateTaskOptions): Task {
  if (typeof config !== 'object' || config === null) fail('task config', 'an object with a "kind"', config);
  const { seed } = opts;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('task seed', 'a whole number in [0, 4294967295]', seed);
  const size = opts.valSize ?? DEFAULT_VAL_SIZE;
  if (!Number.isInteger(size) || size < 1) fail('validation size', 'a whole number ≥ 1', size);
  const validation: ValidationSpec = { seed: validationSeed(seed), size, batch: VAL_BATCH };
  switch (config.kind) {
    case 'adding': return withinBudget(validation, (v) => new AddingTask({ length: checkLength(config.kind, config.length), validation: v }));
    case 'copy': return withinBudget(validation, (v) => new CopyTask({ length: checkLength(config.kind, config.length), validation: v }));
    case 'order': return withinBudget(validation, (v) => new OrderTask({ length: checkLength(config.kind, config.length), validation: v }));
    case 'text': {
      checkFile('text', config.file);
      if (config.lines) {
        const items = splitLines(readText(opts, 'text', config.file, 'text file'));
        const validation = config.valFile !== undefined ? splitLines(readText(opts, 'text', config.valFile, 'validation text file')) : undefined;
        const validationIndices = config.valIndices !== undefined ? parseIndexList(readText(opts, 'text', config.valIndices, 'validation index file'), items.length, config.valIndices) : undefined;
        return new LinesTask(items, { validation, validationIndices, vocab: opts.vocab, source: config.file });
      }
      const o = { seq: checkSeq(config.seq), shuffleLines: config.shuffleLines, vocab: opts.vocab, trainShare: config.trainShare, valCap: config.valCap };
      return new TextTask(readText(opts, 'text', config.file, 'text file'), { ...o, source: config.file });
    }
    case 'csv': {
      checkFile('csv', config.file);
      if (config.column !== undefined && (typeof config.column !== 'string' || config.column === '')) fail('csv task column', 'a column name', config.column);
      const o = { column: config.column, columns: config.columns, target: config.target, fill: config.fill, delimiter: config.delimiter, norm: opts.norm, ...checkWindow(config) };
      return new CsvTask(readText(opts, 'csv', config.file, 'CSV file'), { ...o, source: config.file });
    }
    case 'smnist': case 'pmnist': case 'sfmnist': case 'pfmnist':
      return imageTask(config, opts.loadImages, size);
    default:
      throw new RecurError(`task kind: expected one of ${TASK_KINDS.join(', ')}, received ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}

/** Builds the task, again with fewer validation sequences if the set would exceed the budget. */
function withinBudget(spec: ValidationSpec, make: (spec: ValidationSpec) => Task): Task {
  const task = make(spec);
  const one = task.trainBatch(new Rng(0), 1);
  const bytes = (one.x.length + one.target.length) * Float64Array.BYTES_PER_ELEMENT;
  const fits = Math.max(1, Math.floor(VAL_BUDGET_BYTES / bytes));
  const batch = Math.max(1, Math.min(spec.batch, Math.floor(VAL_BATCH_STEPS / one.t)));
  return fits >= spec.size && batch === spec.batch ? task : make({ ...spec, size: Math.min(fits, spec.size), batch });
}

/** The upper bound here; each task checks its own lower bound and says why it needs it. */
function checkLength(kind: string, length: unknown): number {
  if (typeof length === 'number' && length > MAX_SYNTHETIC_LENGTH) fail(`${kind} task length`, `a whole number ≤ ${MAX_SYNTHETIC_LENGTH}`, length);
  return length as number;
}

function readText(opts: CreateTaskOptions, kind: string, file: string, what: string): string {
  if (typeof opts.readText !== 'function') {
    throw new RecurError(`${kind} task: expected the file's text (CreateTaskOptions.readText, or createTask from recur/node), received only the file name ${JSON.stringify(file)}`);
  }
  return opts.readText(file, what);
}

function checkFile(kind: string, file: unknown): void {
  if (typeof file !== 'string' || file === '') fail(`${kind} task file`, 'a file path', file);
}
