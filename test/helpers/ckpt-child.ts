// A training run for the checkpoint fault test (test/checkpoint.test.ts), run in a child process
// that the test kills with SIGKILL: a 2-layer LSTM (hidden 8, dropout 0.1) on the adding problem at
// T = 10, 200 steps, a cosine schedule with warm-up, adaptive clipping, a checkpoint every 5
// steps, resumed from DIR at start. Checkpoint writes are slowed down (PAUSE ms after the first
// half of the data and again before the rename) so that kills land inside them.
//
//   node ckpt-child.js DIR OUT PAUSE
// Standard output, one line each: `resumed S` (0: a fresh start), `write N` when the temporary file
// of step N is opened, `wrote N` after its rename, `done` after the final weights are in OUT.

import * as fs from 'node:fs';
import { saveModel, type AtomicFs } from '../../src/node/files.js';
import { Sequential } from '../../src/model/sequential.js';
import { createTask } from '../../src/tasks/index.js';
import { Checkpointer } from '../../src/node/checkpoint-dir.js';
import { Trainer, type TrainConfig } from '../../src/train/trainer.js';

const CHILD_CONFIG: TrainConfig = {
  steps: 200, batchSize: 8, seed: 11, evalEvery: 50, stopWhenSolved: false,
  optimizer: { kind: 'adam', lr: 1e-2 },
  schedule: { kind: 'cosine', tMax: 200, etaMin: 1e-4, warmup: { iters: 20 } },
  clip: { kind: 'adaptive', factor: 2 },
};

const say = (line: string): void => { fs.writeSync(1, line + '\n'); };
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number): void => { if (ms > 0) Atomics.wait(sleeper, 0, 0, ms); };
const stepOf = (file: string): string => /ckpt-(\d+)/.exec(file)?.[1] ?? '?';

function main(): void {
  const [dir, out, pauseText] = process.argv.slice(2);
  const pause = Number(pauseText);
  const task = createTask({ kind: 'adding', length: 10 }, { seed: CHILD_CONFIG.seed, valSize: 200 });
  const model = new Sequential({
    input: task.input, cell: 'lstm', hiddenSize: 8, numLayers: 2, dropout: 0.1, outputMode: task.outputMode, outputSize: task.outputSize,
  }, { seed: CHILD_CONFIG.seed });
  const ops: AtomicFs = {
    openSync: (file, flags, mode) => { const fd = fs.openSync(file, flags, mode); if (file.endsWith('.tmp')) say(`write ${Number(stepOf(file))}`); return fd; },
    writeSync: (fd, buffer, offset, length) => {
      // the first half, a pause, then the rest (writeFileAtomic loops until all is written)
      if (offset > 0 || length < 2) return fs.writeSync(fd, buffer, offset, length);
      const n = fs.writeSync(fd, buffer, offset, Math.ceil(length / 2));
      sleep(pause);
      return n;
    },
    fsyncSync: (fd) => fs.fsyncSync(fd),
    closeSync: (fd) => fs.closeSync(fd),
    renameSync: (from, to) => { sleep(pause); fs.renameSync(from, to); say(`wrote ${Number(stepOf(to))}`); },
    unlinkSync: (file) => fs.unlinkSync(file),
  };
  let checkpointer: Checkpointer | null = null;
  const trainer = new Trainer(model, task, CHILD_CONFIG, { onStepEnd: () => { checkpointer?.afterStep(); } });
  checkpointer = new Checkpointer(trainer, { dir, every: 5, fs: ops, onSkip: (file, reason) => process.stderr.write(`skipped ${file}: ${reason}\n`) });
  const info = checkpointer.resume();
  say(`resumed ${info?.step ?? 0}`);
  trainer.train();
  saveModel(model, out);
  say('done');
}

// node --test also loads this file as a test file: it then has no arguments and does nothing
if (process.argv.length >= 5) main();
