#!/usr/bin/env node
// The recur command: dispatch, and the one place where errors become exit codes.
//   exit 0 success, 1 an unexpected failure, 2 bad flags or data (one line saying what was expected),
//   or a size that did not fit in memory after all (the same one line)

import { RecurError } from '../errors.js';
import { RECUR_VERSION } from '../model/io.js';
import { UsageError } from './args.js';
import { allocationFailure } from './memory.js';
import { benchCommand } from './commands/bench.js';
import { demoCommand } from './commands/demo.js';
import { diagnoseCommand } from './commands/diagnose.js';
import { experimentCommand } from './commands/experiment.js';
import { exportCommand } from './commands/export.js';
import { listCommand } from './commands/list.js';
import { trainCommand } from './commands/train.js';
import { evalCommand, forecastCommand, sampleCommand } from './commands/use.js';

const HELP = `recur: recurrent networks that stay trainable on long sequences

  recur demo [--out DIR] [--json]      tanh RNN vs LSTM vs GRU on the adding problem, with a report
  recur studio [--port N]              a page on 127.0.0.1 that trains in the browser: tasks, remedies, live charts
  recur train ...                      train one model (recur train --help)
  recur eval --model FILE TASK-OPTIONS evaluate a saved model
  recur sample --model FILE [--prefix TEXT] [--count N] [--length N] [--temperature X] [--seed N]
  recur forecast --model FILE --csv FILE --column NAME --steps N
  recur diagnose (MODEL-OPTIONS | --model FILE) TASK-OPTIONS [--trained-steps N]
                                       gradient flow through time: vanishing, exploding or healthy
  recur experiment NAME [--full] [--out DIR]   remedies side by side (NAME: vanishing | init | clipping | lr | skip | all)
  recur export --model FILE --onnx OUT.onnx
                                       a saved model as an ONNX file
  recur bench [--configs A,B,...] [--no-peers] [--json]
                                       the benchmark workloads, recur against its peers (bench/README.md;
                                       runs from a clone of the repository, not from the npm package)
  recur list [--json]                  tasks, cells, activations, inits, optimizers, schedules, presets
  recur --version

Every command has --help. Bad flags or data exit with code 2 and one line saying what was expected.`;

const COMMANDS: Record<string, (argv: string[]) => number | Promise<number>> = {
  demo: demoCommand, train: trainCommand, eval: evalCommand, sample: sampleCommand, forecast: forecastCommand, diagnose: diagnoseCommand,
  export: exportCommand, bench: benchCommand, experiment: experimentCommand, list: listCommand,
  studio: async (argv) => (await import('./commands/studio.js')).studioCommand(argv), // loaded only when asked: the server is no other command's weight
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') { console.log(HELP); return 0; }
  if (cmd === '--version' || cmd === '-v' || cmd === 'version') { console.log(`recur ${RECUR_VERSION}`); return 0; }
  const run = COMMANDS[cmd];
  if (!run) throw new UsageError(`unknown command "${cmd}": expected one of ${Object.keys(COMMANDS).join(', ')}`);
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    const memory = allocationFailure(e);
    if (e instanceof UsageError || e instanceof RecurError || memory !== null) {
      process.stderr.write(`recur: ${memory ?? (e as Error).message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`recur: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
