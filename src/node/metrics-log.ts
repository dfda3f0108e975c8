// The JSON-lines metrics log (`--metrics-log FILE`): the trainer's records (onRecord: steps,
// evaluations, NaN-guard events), one JSON object a line. A run that starts at step 1 starts a
// fresh file; a resumed one goes on with the file it has (the Checkpointer first trims the lines
// written after the checkpoint it resumed from, trimMetricsLog).

import * as fs from 'node:fs';
import type { MetricsRecord, TrainCallbacks } from '../train/trainer.js';

/** Trainer callbacks that append every record to `file`. */
export function metricsLog(file: string): TrainCallbacks {
  let first = true;
  return {
    onRecord: (r: MetricsRecord) => {
      if (first && r.step === 1) fs.writeFileSync(file, '');
      first = false;
      fs.appendFileSync(file, JSON.stringify(r) + '\n');
    },
  };
}

/** Drops the lines of a metrics log written after `step` (and a line torn by a kill). */
export function trimMetricsLog(file: string, step: number): void {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return; }
  const keep = text.split('\n').filter((line) => {
    try {
      const o = JSON.parse(line) as { step?: unknown };
      return typeof o.step === 'number' && o.step <= step;
    } catch {
      return false;
    }
  });
  fs.writeFileSync(file, keep.map((l) => l + '\n').join(''));
}
