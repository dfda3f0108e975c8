// Inverted dropout: in training each element is kept with probability 1 − p and scaled by
// 1/(1 − p), so evaluation is the identity. The mask is drawn from the model's seeded RNG.

import { fail } from '../errors.js';
import type { Float, Kernels } from '../kernels/types.js';
import type { ForwardContext, Layer, Seq } from './layer.js';

export class Dropout implements Layer {
  readonly params = [];
  private mask: Float;
  private y: Seq;
  private dx: Seq;
  private active = false;

  constructor(private readonly k: Kernels, readonly p: number) {
    if (!(p >= 0 && p < 1)) fail('dropout probability', 'a number in [0, 1)', p);
    this.mask = k.alloc(0);
    this.y = { data: k.alloc(0), t: 0, b: 0, f: 0 };
    this.dx = { data: k.alloc(0), t: 0, b: 0, f: 0 };
  }

  forward(x: Seq, ctx: ForwardContext): Seq {
    this.active = ctx.training && this.p > 0;
    if (!this.active) return x;
    const n = x.t * x.b * x.f;
    if (this.mask.length !== n) {
      for (const a of [this.mask, this.y.data, this.dx.data]) this.k.free(a);
      this.mask = this.k.alloc(n); this.y.data = this.k.alloc(n); this.dx.data = this.k.alloc(n);
    }
    const keep = 1 / (1 - this.p);
    for (let i = 0; i < n; i++) {
      const m = ctx.rng.uniform() < this.p ? 0 : keep;
      this.mask[i] = m;
      this.y.data[i] = x.data[i] * m;
    }
    Object.assign(this.y, { t: x.t, b: x.b, f: x.f });
    Object.assign(this.dx, { t: x.t, b: x.b, f: x.f });
    return this.y;
  }

  backward(dy: Seq): Seq {
    if (!this.active) return dy;
    const n = dy.t * dy.b * dy.f;
    for (let i = 0; i < n; i++) this.dx.data[i] = dy.data[i] * this.mask[i];
    return this.dx;
  }
}
