// What each in-process system (recur, tfjs, brain.js) hands to the timing loop.

export interface Runner {
  /** One timed step; may return a promise (tfjs trainOnBatch), which the timer awaits. */
  step: () => unknown;
  close: () => unknown;
  /** Sequences one step processes: the batch, or 1 for brain.js (no batches). */
  seqPerStep: number;
  notes: string[];
  versions: Record<string, string>;
}
