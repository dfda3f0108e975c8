// Did a run diverge? The training loss at its end against the loss at its start: a run whose loss
// grew by orders of magnitude (an Adam step of lr 1e6 takes the adding problem's MSE from 1 to
// 1e12 in one step) finished, but learned nothing, and its summary should say so rather than
// print a loss.
//
//   start = the first finite step loss (the model as initialised: a run that explodes does so in
//           its first steps, so a mean over them would hide it);
//   end   = the median of the finite ones among the last K step losses (K = 5; one spike or a step
//           the NaN guard skipped is not a verdict on its own);
//   diverged when the last K hold no finite loss, or end > FACTOR · start (FACTOR = 100).
// Runs of K steps or fewer get no verdict.

export const DIVERGENCE_FACTOR = 100;
const K = 5;

export interface Divergence { diverged: boolean; start: number; end: number }

/** The verdict on a run's step losses (in step order); null when there are too few steps to tell. */
export function divergence(losses: readonly number[], factor = DIVERGENCE_FACTOR): Divergence | null {
  if (losses.length <= K) return null;
  const start = losses.find(Number.isFinite);
  if (start === undefined) return { diverged: true, start: NaN, end: NaN };
  const last = losses.slice(-K).filter(Number.isFinite).sort((a, b) => a - b);
  if (last.length === 0) return { diverged: true, start, end: NaN };
  const mid = last.length >> 1;
  const end = last.length % 2 ? last[mid] : (last[mid - 1] + last[mid]) / 2;
  return { diverged: end > factor * Math.max(start, Number.MIN_VALUE), start, end };
}
