// Judges model files in a child process, as eval would meet them: the bounded read (header before
// data, regular files only), the config and vocabulary checks, the memory budget of the model and
// of a forward pass over a batch (T = 20, B = 16), then the pass itself. A file
// must load and run, or be refused with a RecurError; anything else is a finding. The process's
// peak memory is what the caller asserts on: whatever a file claims, it stays under a fixed
// ceiling, because the budget refuses before allocating (KERNEL_LIMIT here, far below it).
//
//   node fuzz-child.js FILE...
// Standard output, one JSON line per file { file, ms (CPU time), outcome: 'ok' | 'refused' | 'error', message },
// then { maxRssKB } (process.resourceUsage().maxRSS: the peak resident memory of this process).

import * as fs from 'node:fs';
import { RecurError } from '../../src/errors.js';
import { memoryNeed, overBudget, type RunShape } from '../../src/model/budget.js';
import type { ModelConfig } from '../../src/model/config.js';
import { loadModel } from '../../src/node/files.js';

/** What the child lets a model and its pass hold: far under the ceiling the test asserts. */
export const KERNEL_LIMIT = 16 * 2 ** 20;
const SHAPE: RunShape = { t: 20, b: 16 };

function budget(config: ModelConfig, shapes: RunShape[]): void {
  const msg = overBudget(memoryNeed(config, shapes, { training: false }), { kernelBytes: KERNEL_LIMIT, totalBytes: KERNEL_LIMIT * 1.5, kernels: 'the fuzz child' });
  if (msg) throw new RecurError(msg);
}

function judge(file: string): { outcome: string; message: string } {
  try {
    const { model } = loadModel(file, { check: (config) => budget(config, []) });
    budget(model.config, [SHAPE]);
    const c = model.config;
    const w = c.input.kind === 'tokens' ? 1 : c.input.size;
    const x = new Float64Array(SHAPE.t * SHAPE.b * w);
    for (let i = 0; i < x.length; i++) x[i] = c.input.kind === 'tokens' ? i % c.input.vocabSize : Math.sin(i);
    const y = model.forward(x, SHAPE.t, SHAPE.b);
    for (let i = 0; i < y.data.length; i++) if (!Number.isFinite(y.data[i])) return { outcome: 'error', message: `non-finite output at ${i}` };
    return { outcome: 'ok', message: '' };
  } catch (e) {
    if (e instanceof RecurError) return { outcome: 'refused', message: e.message.slice(0, 200) };
    return { outcome: 'error', message: `${(e as Error)?.name}: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
}

for (const file of process.argv.slice(2)) {
  // CPU time (user + system) of this process: what the file cost, whatever else the machine runs
  const start = process.cpuUsage();
  const r = judge(file);
  const used = process.cpuUsage(start);
  fs.writeSync(1, JSON.stringify({ file, ms: Math.round((used.user + used.system) / 1000), ...r }) + '\n');
}
if (({} as Record<string, unknown>).polluted !== undefined) fs.writeSync(1, JSON.stringify({ file: '(all)', ms: 0, outcome: 'error', message: 'Object.prototype was polluted' }) + '\n');
fs.writeSync(1, JSON.stringify({ maxRssKB: process.resourceUsage().maxRSS }) + '\n');
