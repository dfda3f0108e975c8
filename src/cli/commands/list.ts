// recur list: what the flags accept (tasks, cells, activations, initialisations, optimizers,
// schedules, presets), read from the lists the code itself checks against.

import { ACTIVATIONS, CELL_KINDS } from '../../cells/table.js';
import { TASK_KINDS } from '../../tasks/index.js';
import { INIT_KINDS } from '../../tensor/init.js';
import { OPTIMIZERS, PRESETS, RUNTIME_OPTIONS, SCHEDULES, parse } from '../args.js';

const TASKS: Record<string, string> = {
  adding: 'two marked numbers among T, their sum at the end (Le et al. 2015)',
  copy: 'recall 10 symbols after T blanks (Arjovsky et al. 2016)',
  order: 'the order of two marked symbols among T (Hochreiter & Schmidhuber 1997)',
  text: 'character-level model of a UTF-8 file (--lines: one item a line)',
  csv: 'forecasting columns of a CSV file',
  smnist: 'pixel-by-pixel MNIST (T = 784)', pmnist: 'pixel-by-pixel MNIST, pixels in a fixed random order',
  sfmnist: 'pixel-by-pixel Fashion-MNIST', pfmnist: 'pixel-by-pixel Fashion-MNIST, permuted',
};

export function listCommand(argv: string[]): number {
  const { values: v } = parse(argv, RUNTIME_OPTIONS);
  if (v.help) { console.log('recur list [--json]\n\nThe tasks, cells, activations, initialisations, optimizers, schedules and presets the flags accept.'); return 0; }
  const lists = {
    tasks: [...TASK_KINDS], cells: [...CELL_KINDS], activations: [...ACTIVATIONS], inits: [...INIT_KINDS],
    optimizers: [...OPTIMIZERS], schedules: [...SCHEDULES], presets: Object.keys(PRESETS),
  };
  if (v.json) { console.log(JSON.stringify(lists)); return 0; }
  const out: string[] = ['tasks (--task)'];
  for (const t of lists.tasks) out.push(`  ${t.padEnd(10)} ${TASKS[t] ?? ''}`.trimEnd());
  out.push(`cells (--cell)               ${lists.cells.join(', ')}`);
  out.push(`activations (--activation)   ${lists.activations.join(', ')}   (rnn cells)`);
  out.push(`inits (--init)               ${lists.inits.join(', ')}`);
  out.push(`optimizers (--optimizer)     ${lists.optimizers.join(', ')}`);
  out.push(`schedules (--schedule)       ${lists.schedules.join(', ')}`);
  out.push('presets (--preset)');
  for (const [k, d] of Object.entries(PRESETS)) out.push(`  ${k.padEnd(10)} ${d}`);
  console.log(out.join('\n'));
  return 0;
}
