// Workload G's targets (issue 14), read from one run's report: recur's IndRNN, minGRU and minLSTM
// against recur's own LSTM on the same shape, and against PyTorch (2 threads) running the same cell.

import type { BenchReport } from './run.js';
import type { SystemName } from './systems.js';

/** The lines the table ends with: each new cell's speedups, or nothing when G did not run. */
export function gTargets(r: BenchReport): string[] {
  const median = (id: string, s: SystemName): number | null => r.results.find((x) => x.workload === id)?.systems[s]?.msPerStep?.median ?? null;
  const lstm = median('G-lstm', 'recur');
  const lines: string[] = [];
  for (const cell of ['indrnn', 'mingru', 'minlstm']) {
    const own = median(`G-${cell}`, 'recur');
    if (own === null) continue;
    const torch = median(`G-${cell}`, 'torch2');
    const parts = [
      lstm !== null ? `${(lstm / own).toFixed(1)}x recur's LSTM (target >= 5x)` : null,
      torch !== null ? `${(torch / own).toFixed(1)}x PyTorch's ${cell}, 2 threads (target >= 2x)` : null,
    ].filter(Boolean);
    if (parts.length) lines.push(`  recur ${cell} ${own.toPrecision(3)} ms: ${parts.join(', ')}`);
  }
  return lines.length ? ['G targets (medians of this run):', ...lines, ''] : [];
}
