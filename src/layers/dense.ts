// Fully connected layer applied to every row: y = x Wᵀ + b, W (out, in) like nn.Linear.

import type { Kernels } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import type { ForwardContext, Layer, Seq } from './layer.js';
import { fail } from '../errors.js';

export class Dense implements Layer {
  readonly params: Param[];
  readonly weight: Param;
  readonly bias: Param;
  private x: Seq | null = null;
  private y: Seq;
  private dx: Seq;

  constructor(private readonly k: Kernels, readonly inFeatures: number, readonly outFeatures: number, prefix = 'head') {
    this.weight = { name: `${prefix}.weight`, shape: [outFeatures, inFeatures], value: k.alloc(outFeatures * inFeatures), grad: k.alloc(outFeatures * inFeatures) };
    this.bias = { name: `${prefix}.bias`, shape: [outFeatures], value: k.alloc(outFeatures), grad: k.alloc(outFeatures) };
    this.params = [this.weight, this.bias];
    this.y = { data: k.alloc(0), t: 0, b: 0, f: outFeatures };
    this.dx = { data: k.alloc(0), t: 0, b: 0, f: inFeatures };
  }

  forward(x: Seq, _ctx: ForwardContext): Seq {
    if (x.f !== this.inFeatures) fail('Dense input width', String(this.inFeatures), x.f);
    const rows = x.t * x.b;
    if (this.y.t * this.y.b !== rows) {
      this.k.free(this.y.data); this.k.free(this.dx.data);
      this.y.data = this.k.alloc(rows * this.outFeatures);
      this.dx.data = this.k.alloc(rows * this.inFeatures);
    }
    this.y.t = x.t; this.y.b = x.b; this.dx.t = x.t; this.dx.b = x.b;
    this.x = x;
    this.k.fillRows(rows, this.outFeatures, this.bias.value, 0, this.y.data, 0, this.outFeatures);
    this.k.gemm(false, true, rows, this.outFeatures, this.inFeatures, 1, x.data, 0, this.inFeatures, this.weight.value, 0, this.inFeatures, 1, this.y.data, 0, this.outFeatures);
    return this.y;
  }

  backward(dy: Seq): Seq {
    const x = this.x;
    if (!x) throw new Error('Dense.backward called before forward');
    const rows = x.t * x.b;
    const { k, inFeatures: i, outFeatures: o } = this;
    k.gemm(true, false, o, i, rows, 1, dy.data, 0, o, x.data, 0, i, 1, this.weight.grad, 0, i);
    k.addColumnSums(rows, o, dy.data, 0, o, this.bias.grad, 0);
    k.gemm(false, false, rows, i, o, 1, dy.data, 0, o, this.weight.value, 0, i, 0, this.dx.data, 0, i);
    return this.dx;
  }
}
