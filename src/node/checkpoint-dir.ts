// A directory of checkpoints for one training run: `ckpt-000500.safetensors` after step 500 (six
// digits at least, so names sort by step), written atomically (writeFileAtomic: temporary file,
// fsync, rename, directory fsync), the newest `keep` kept.
//
// - Saving: every `every` steps and at the run's last step (finished or stopped early). After a
//   save, older checkpoints beyond `keep`, checkpoints of later steps (left by a run that went
//   further before it was stopped and was resumed from an earlier one) and temporary files left by
//   killed writers are removed.
// - Resuming: the newest checkpoint that reads and verifies is restored. Temporary files are never
//   read; a checkpoint that is corrupt or truncated is skipped with a warning naming it, and the
//   next older one is tried. A checkpoint from a run with other settings is not skipped: that is
//   the caller's mistake, and the CheckpointMismatch names the field.
// - A fresh run (no resume) refuses a directory that already holds checkpoints, so an earlier
//   run's work is never overwritten by accident (see `assertFresh`).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecurError, fail } from '../errors.js';
import { writeFileAtomic, type AtomicFs } from './files.js';
import { CheckpointMismatch, checkpointToBytes, restoreCheckpoint, type CheckpointInfo } from '../train/checkpoint.js';
import type { Trainer } from '../train/trainer.js';
import { trimMetricsLog } from './metrics-log.js';

const NAME = /^ckpt-(\d{6,})\.safetensors$/;
/** Temporary files of writeFileAtomic for a checkpoint: .ckpt-000500.safetensors.<pid>.<hex>.tmp */
const TEMP = /^\.ckpt-\d{6,}\.safetensors\.\d+\.[0-9a-f]+\.tmp$/;

export interface CheckpointOptions {
  dir: string;
  /** Steps between checkpoints; default 100. */
  every?: number;
  /** Checkpoints kept; default 3. */
  keep?: number;
  /** File system calls of the atomic writer (tests slow it down or make it fail). */
  fs?: AtomicFs;
  /** Told of each checkpoint skipped on resume, with the reason. Default: a line on standard error. */
  onSkip?: (file: string, reason: string) => void;
  /** The run's metrics log: on resume, its lines after the checkpoint's step are dropped. */
  metricsLog?: string;
}

export interface CheckpointFile { file: string; step: number }

/** `ckpt-000500.safetensors` for step 500. */
export function checkpointName(step: number): string {
  return `ckpt-${String(step).padStart(6, '0')}.safetensors`;
}

/** The checkpoints in `dir`, newest first; none when the directory does not exist. */
export function listCheckpoints(dir: string): CheckpointFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new RecurError(`checkpoint directory ${JSON.stringify(dir)}: expected a readable directory, received ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return names.flatMap((n) => {
    const m = NAME.exec(n);
    return m ? [{ file: path.join(dir, n), step: Number(m[1]) }] : [];
  }).sort((a, b) => b.step - a.step);
}

/**
 * For a run that does not resume: a RecurError when `dir` already holds checkpoints (an earlier
 * run's work, which saving into the same directory would replace).
 */
export function assertFresh(dir: string): void {
  const found = listCheckpoints(dir);
  if (found.length) {
    throw new RecurError(`checkpoint directory ${JSON.stringify(dir)}: expected an empty or new directory for a new run, received ${found.length} checkpoint${found.length > 1 ? 's' : ''} of an earlier run (newest ${path.basename(found[0].file)}); resume it with --resume, or choose another directory`);
  }
}

export class Checkpointer {
  readonly dir: string;
  readonly every: number;
  readonly keep: number;
  private readonly ops: AtomicFs | undefined;
  private readonly onSkip: (file: string, reason: string) => void;
  private readonly metricsLog: string | undefined;
  /** The step of the last checkpoint written or restored (0: none). */
  lastStep = 0;

  constructor(readonly trainer: Trainer, o: CheckpointOptions) {
    if (typeof o.dir !== 'string' || o.dir === '') fail('checkpoint directory', 'a path', o.dir);
    this.dir = o.dir;
    this.every = o.every ?? 100;
    this.keep = o.keep ?? 3;
    if (!Number.isSafeInteger(this.every) || this.every < 1) fail('checkpoint interval', 'a whole number of steps ≥ 1', this.every);
    if (!Number.isSafeInteger(this.keep) || this.keep < 1) fail('checkpoints kept', 'a whole number ≥ 1', this.keep);
    this.ops = o.fs;
    this.metricsLog = o.metricsLog;
    this.onSkip = o.onSkip ?? ((file, reason) => process.stderr.write(`recur: skipping checkpoint ${file}: ${reason}\n`));
  }

  /**
   * Restores the newest checkpoint that verifies, or returns null when there is none (a fresh
   * start). Corrupt ones are skipped (onSkip); a CheckpointMismatch is thrown as it is; when
   * checkpoints exist but none verifies, a RecurError lists why.
   */
  resume(): (CheckpointInfo & { file: string }) | null {
    const found = listCheckpoints(this.dir);
    const skipped: string[] = [];
    for (const { file } of found) {
      try {
        const info = restoreCheckpoint(this.trainer, fs.readFileSync(file), path.basename(file));
        this.lastStep = info.step;
        if (this.metricsLog) trimMetricsLog(this.metricsLog, info.step);
        return { ...info, file };
      } catch (e) {
        if (e instanceof CheckpointMismatch) throw e;
        const reason = e instanceof Error ? e.message : String(e);
        skipped.push(`${path.basename(file)} (${reason})`);
        this.onSkip(file, reason);
      }
    }
    if (found.length) throw new RecurError(`checkpoint directory ${JSON.stringify(this.dir)}: expected a checkpoint that reads and verifies, received only ${skipped.join('; ').slice(0, 400)}`);
    return null;
  }

  /** After each step (Trainer's onStepEnd): saves when the interval is reached or the run is over. Returns the file written, if any. */
  afterStep(): string | null {
    const { loop, config } = this.trainer;
    const due = loop.step % this.every === 0 || loop.done || loop.step >= config.steps;
    return due && loop.step !== this.lastStep ? this.save() : null;
  }

  /** Writes a checkpoint of the current step now, then prunes the directory. */
  save(): string {
    fs.mkdirSync(this.dir, { recursive: true });
    const step = this.trainer.loop.step;
    const file = path.join(this.dir, checkpointName(step));
    writeFileAtomic(file, checkpointToBytes(this.trainer), this.ops);
    this.lastStep = step;
    this.prune(step);
    return file;
  }

  private prune(step: number): void {
    const all = listCheckpoints(this.dir);
    const stale = all.filter((c) => c.step > step);
    const old = all.filter((c) => c.step <= step).slice(this.keep);
    const temps = fs.readdirSync(this.dir).filter((n) => TEMP.test(n) && !n.includes(`.${process.pid}.`)).map((n) => path.join(this.dir, n));
    for (const f of [...stale.map((c) => c.file), ...old.map((c) => c.file), ...temps]) {
      try { fs.unlinkSync(f); } catch { /* already gone: nothing to prune */ }
    }
  }
}
