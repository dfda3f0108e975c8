// The fraction of state updates a Skip RNN model uses (Campos et al. 2018 report it beside the
// error): state updates / time steps over a task's validation set, in inference mode (where skipped
// steps run no cell).

import type { Sequential } from '../model/sequential.js';
import type { Task } from '../tasks/task.js';

/** Mean over the validation batches, weighted by their real time steps; NaN for a model without Skip RNN layers. */
export function updateFractionOn(model: Sequential, task: Task): number {
  let used = 0, steps = 0;
  for (const batch of task.validation()) {
    model.forward(batch.x, batch.t, batch.b, { lengths: batch.lengths });
    const f = model.updateFraction();
    if (f === null) return NaN;
    const n = batch.lengths ? Array.from(batch.lengths).reduce((a, l) => a + l, 0) : batch.t * batch.b;
    used += f * n; steps += n;
  }
  return steps > 0 ? used / steps : NaN;
}
