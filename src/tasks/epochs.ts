// Epochs over a fixed set of training samples: every sample once per epoch, in an order shuffled
// from the trainer's RNG at the start of each epoch. Batches do not cross epochs, so the last batch
// of an epoch holds the remainder (n mod B samples, when that is not 0).
//
// The order and the position in it are state outside the trainer's RNG: a checkpoint does not keep
// them, which is why the CLI's file tasks draw their windows at random instead.

import type { Rng } from '../tensor/rng.js';

export class EpochOrder {
  private readonly order: Int32Array;
  private pos: number;

  constructor(readonly n: number) {
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    this.pos = n;
  }

  /** Batches of `batchSize` that make one epoch. */
  stepsPerEpoch(batchSize: number): number {
    return Math.max(1, Math.ceil(this.n / batchSize));
  }

  /** The next up to `batchSize` sample indices; reshuffles (Fisher–Yates) at each epoch's start. */
  next(rng: Rng, batchSize: number): number[] {
    if (this.pos >= this.n) {
      const a = this.order;
      for (let i = a.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = a[i]; a[i] = a[j]; a[j] = t;
      }
      this.pos = 0;
    }
    const end = Math.min(this.n, this.pos + batchSize);
    const out = Array.from(this.order.subarray(this.pos, end));
    this.pos = end;
    return out;
  }
}
