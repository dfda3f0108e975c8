// Token embedding, like nn.Embedding: the input holds token ids (T, B, 1), the output the rows
// of W (V, E) they pick. Its backward adds each output gradient into the row it came from.

import { fail } from '../errors.js';
import type { Kernels } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import type { ForwardContext, Layer, Seq } from './layer.js';

export class Embedding implements Layer {
  readonly params: Param[];
  readonly weight: Param;
  private ids: Int32Array = new Int32Array(0);
  private y: Seq;
  private readonly noInputGrad: Seq;

  constructor(private readonly k: Kernels, readonly vocabSize: number, readonly dim: number, prefix = 'embed') {
    this.weight = { name: `${prefix}.weight`, shape: [vocabSize, dim], value: k.alloc(vocabSize * dim), grad: k.alloc(vocabSize * dim) };
    this.params = [this.weight];
    this.y = { data: k.alloc(0), t: 0, b: 0, f: dim };
    this.noInputGrad = { data: k.alloc(0), t: 0, b: 0, f: 1 };
  }

  forward(x: Seq, _ctx: ForwardContext): Seq {
    if (x.f !== 1) fail('Embedding input', 'one token id per step (width 1)', `width ${x.f}`);
    const n = x.t * x.b;
    if (this.ids.length !== n) {
      this.ids = new Int32Array(n);
      this.k.free(this.y.data);
      this.y.data = this.k.alloc(n * this.dim);
    }
    this.y.t = x.t; this.y.b = x.b;
    const w = this.weight.value;
    for (let i = 0; i < n; i++) {
      const id = x.data[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) fail(`token id at position ${i}`, `a whole number in [0, ${this.vocabSize})`, id);
      this.ids[i] = id;
      for (let j = 0; j < this.dim; j++) this.y.data[i * this.dim + j] = w[id * this.dim + j];
    }
    return this.y;
  }

  backward(dy: Seq): Seq {
    const g = this.weight.grad;
    for (let i = 0; i < this.ids.length; i++) {
      const row = this.ids[i] * this.dim;
      for (let j = 0; j < this.dim; j++) g[row + j] += dy.data[i * this.dim + j];
    }
    // token ids have no gradient
    return this.noInputGrad;
  }
}
