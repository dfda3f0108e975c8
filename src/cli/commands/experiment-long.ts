// recur experiment long: the arms of cli/experiment-long.ts, each on an equal share of a budget in
// wall-clock minutes; prints a verdict table and writes OUT/long/report.html.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecurError } from '../../errors.js';
import { Sequential } from '../../model/sequential.js';
import { FASHION_INSTALL, FASHION_MNIST_DIR } from '../../node/datasets.js';
import { createTask } from '../../node/tasks.js';
import { NamesTask, namesOf, parseIndexList } from '../../tasks/names.js';
import type { Task } from '../../tasks/task.js';
import { TextTask } from '../../tasks/text.js';
import { readTextFile } from '../../node/files.js';
import { RUNTIME_OPTIONS, UsageError, int, num, parse, str, type Values } from '../args.js';
import { LONG_CELLS, LONG_TASKS, availableCells, longArms, type LongArm, type LongCell, type LongTaskKind, type LongTaskSpec } from '../experiment-long.js';
import { formatNumber, table } from '../progress.js';
import { reportFor, type ReportRun } from '../report-data.js';
import { kernelsFrom, modelConfigFor, runTraining } from '../session.js';

export const LONG_HELP = `recur experiment long [--full] [--budget-minutes M] [--tasks LIST] [--cells LIST] [--hidden N]
                      [--lengths LIST] [--data DIR] [--fashion-dir DIR] [--out DIR] [--seed N] [--json]

Every long-memory cell on each long-dependency task, each arm on an equal share of M minutes of
wall-clock time (default 10; --full 180). Synthetic tasks stop once solved (the time to solve is the
figure); the others train their whole share.
  tasks: ${LONG_TASKS.join(', ')}
         (default adding T=1000, copy T=100, sfmnist, pfmnist, names, shakespeare;
          --full: adding T=1000 and 5000, copy T=500 and 1000, all of them)
  cells: ${LONG_CELLS.join(', ')} (the last three when this build has them)
  --lengths 1000,5000   the lengths of adding and copy   --hidden N   every arm's hidden size
  --data DIR   names.txt, names-makemore-test.txt, tinyshakespeare.txt (default the package's data/)
  --fashion-dir DIR   Fashion-MNIST's IDX files (default ${FASHION_MNIST_DIR}; ${FASHION_INSTALL})
  --kernels js|wasm|auto  --threads N`;

export interface LongRow {
  model: string; cell: string; task: string; metric: string; value: number; valLoss: number; baselineLoss: number | null;
  accuracy: number | null; solved: boolean; steps: number; seconds: number; nanSkipped: number;
}

const DATA = fileURLToPath(new URL('../../../../data/', import.meta.url));

function list<T extends string>(v: Values, name: string, allowed: readonly T[]): T[] | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  const items = s.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = items.find((x) => !(allowed as readonly string[]).includes(x));
  if (bad !== undefined || items.length === 0) throw new UsageError(`--${name}: expected a comma-separated list of ${allowed.join(', ')}, received "${s}"`);
  return items as T[];
}

export function longExperimentCommand(argv: string[]): number {
  const { values: v } = parse(argv, {
    ...RUNTIME_OPTIONS, full: { type: 'boolean' }, out: { type: 'string' }, seed: { type: 'string' }, 'budget-minutes': { type: 'string' },
    tasks: { type: 'string' }, cells: { type: 'string' }, hidden: { type: 'string' }, lengths: { type: 'string' }, data: { type: 'string' },
    'fashion-dir': { type: 'string' }, 'val-size': { type: 'string' },
    // undocumented: a step cap (tests)
    steps: { type: 'string' },
  }, true);
  if (v.help) { console.log(LONG_HELP); return 0; }
  const full = v.full === true;
  const cells = list(v, 'cells', LONG_CELLS);
  const missing = cells?.filter((c) => !availableCells().includes(c));
  if (missing?.length) throw new UsageError(`--cells: ${missing.join(', ')} not in this build (it has ${availableCells().join(', ')})`);
  const lengths = str(v, 'lengths')?.split(',').map((x) => { const n = Number(x); if (!Number.isInteger(n) || n < 2 || n > 100000) throw new UsageError(`--lengths: expected whole numbers from 2 to 100000, received "${x}"`); return n; });
  const arms = longArms({ full, tasks: list(v, 'tasks', LONG_TASKS), cells, hidden: v.hidden !== undefined ? int(v, 'hidden', 64, 1, 65536) : undefined, lengths });
  if (arms.length === 0) throw new UsageError('recur experiment long: no arm left (see --tasks and --cells)');
  const minutes = num(v, 'budget-minutes', full ? 180 : 10, 0, 1e5, true)!;
  const share = (minutes * 60) / arms.length;
  const seed = int(v, 'seed', 1, 0, 2 ** 32 - 1);
  const stepCap = int(v, 'steps', 1e9, 1, 1e9);
  const valSize = v['val-size'] !== undefined ? int(v, 'val-size', 500, 1, 1e6) : undefined;
  const data = resolve(str(v, 'data') ?? DATA);
  const kernels = kernelsFrom(v);
  const json = v.json === true;
  process.stderr.write(`recur experiment long: ${arms.length} arms, ${formatNumber(share / 60, 3)} minutes each (${minutes} in all), ${kernels.name} kernels\n`);
  const tasks = new Map<string, Task | string>();
  const rows: LongRow[] = [];
  const runs: ReportRun[] = [];
  for (const arm of arms) {
    const key = JSON.stringify(arm.task);
    if (!tasks.has(key)) tasks.set(key, buildTask(arm.task, { seed, valSize, data, fashionDir: str(v, 'fashion-dir') }));
    const task = tasks.get(key)!;
    if (typeof task === 'string') { process.stderr.write(`${arm.name}: skipped (${task})\n`); continue; }
    const model = new Sequential(modelConfigFor(task, arm.model), { kernels, seed });
    const { result, summary } = runTraining(arm.name.padEnd(24), task, model, {
      steps: stepCap, batchSize: arm.batchSize, seed, ...arm.train, evalEvery: Math.min(arm.evalEvery, stepCap), stopWhenSolved: arm.stopWhenSolved,
    }, json, { deadlineSeconds: share, vitals: false });
    const row = rowOf(arm, task, result, summary.seconds);
    rows.push(row);
    runs.push({ name: arm.name, result, summary, config: model.config, extra: { task: arm.taskLabel, [row.metric]: row.value } });
  }
  const out = resolve(str(v, 'out') ?? 'recur-experiments');
  const dir = join(out, 'long');
  mkdirSync(dir, { recursive: true });
  const report = join(dir, 'report.html');
  const title = `long dependencies: ${[...new Set(arms.map((a) => a.taskLabel))].join(', ')}, ${formatNumber(share / 60, 3)} minutes an arm`;
  writeFileSync(report, reportFor(`recur experiment long: ${title}`, `recur experiment long ${argv.join(' ')}`.trim(), runs,
    'Each cell on each task on the same wall-clock budget. Adding: val MSE, solved under 0.01. Copy: symbols recalled, solved at 99%. Pixel sequences: test accuracy. names: test NLL per character (makemore\'s split and metric). shakespeare: validation nats per character (char-rnn\'s 95/5 split).'));
  if (json) console.log(JSON.stringify({ experiment: 'long', title, report, minutes, rows }));
  else { console.log(`\n${title}\n`); console.log(longTable(rows)); console.log(`\nreport: ${report}`); }
  return 0;
}

/** The task of a spec, or a string saying why it cannot be built here (data missing). */
function buildTask(spec: LongTaskSpec, o: { seed: number; valSize?: number; data: string; fashionDir?: string }): Task | string {
  switch (spec.kind) {
    case 'adding': case 'copy':
      return createTask({ kind: spec.kind, length: spec.length }, { seed: o.seed, valSize: o.valSize ?? 500 });
    case 'names': {
      const file = join(o.data, 'names.txt');
      if (!existsSync(file)) return `no ${file}`;
      const text = readTextFile(file);
      return new NamesTask(text, parseIndexList(readTextFile(join(o.data, 'names-makemore-test.txt')), namesOf(text).length, 'names-makemore-test.txt'), file);
    }
    case 'shakespeare': {
      const file = join(o.data, 'tinyshakespeare.txt');
      if (!existsSync(file)) return `no ${file}`;
      return new TextTask(readTextFile(file), { seq: 128, trainShare: 0.95, valCap: Infinity, source: file });
    }
    default: {
      const fashion = spec.kind.includes('f');
      const dir = o.fashionDir ?? FASHION_MNIST_DIR;
      if (fashion && !existsSync(join(dir, 'train-images-idx3-ubyte.gz')) && !existsSync(join(dir, 'train-images-idx3-ubyte'))) return `Fashion-MNIST not in ${dir}: ${FASHION_INSTALL}`;
      try {
        return createTask(fashion ? { kind: spec.kind, dir } : { kind: spec.kind }, { seed: o.seed, valSize: o.valSize ?? 1000 });
      } catch (e) {
        if (e instanceof RecurError) return e.message;
        throw e;
      }
    }
  }
}

function rowOf(arm: LongArm, task: Task, r: { valLoss: number; accuracy: number | null; baselineLoss: number | null; solved: boolean; steps: number; nanSkipped: number }, seconds: number): LongRow {
  const k = arm.task.kind as LongTaskKind;
  const metric = k === 'adding' ? 'val MSE' : k === 'copy' ? 'recalled' : k === 'names' ? 'test NLL' : k === 'shakespeare' ? 'val nats/char' : 'test accuracy';
  const value = k === 'copy' || metric === 'test accuracy' ? r.accuracy ?? NaN : r.valLoss;
  return {
    model: arm.name, cell: arm.cell as LongCell, task: arm.taskLabel, metric, value, valLoss: r.valLoss, baselineLoss: r.baselineLoss ?? task.baselineLoss,
    accuracy: r.accuracy, solved: r.solved, steps: r.steps, seconds, nanSkipped: r.nanSkipped,
  };
}

export function longTable(rows: readonly LongRow[]): string {
  return table(['task', 'cell', 'metric', 'value', 'val loss', 'baseline', 'solved', 'steps', 'seconds', 'NaN skipped'], rows.map((r) => [
    r.task, r.cell, r.metric, r.metric === 'recalled' || r.metric === 'test accuracy' ? `${(r.value * 100).toFixed(1)}%` : formatNumber(r.value),
    formatNumber(r.valLoss), formatNumber(r.baselineLoss), r.solved ? 'yes' : 'no', String(r.steps), String(r.seconds), String(r.nanSkipped),
  ]));
}
