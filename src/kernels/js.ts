// The reference kernels: plain loops over Float32Array or Float64Array. Every faster kernel is
// checked against these, and float64 gradient checks run on them.

import { RecurError } from '../errors.js';
import { JsScans } from './js-scan.js';
import type { Activation, DType, Float, Kernels, PackedB } from './types.js';

/** The js kernels gain nothing from packing: a "pack" is a reference to B. */
interface JsPackedB extends PackedB { transB: boolean; b: Float; bOff: number; ldb: number }

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export class JsKernels extends JsScans implements Kernels {
  readonly name = 'js' as const;
  readonly dtype: DType;
  private readonly ctor: Float32ArrayConstructor | Float64ArrayConstructor;

  constructor(dtype: DType = 'float32') {
    super();
    this.dtype = dtype;
    this.ctor = dtype === 'float64' ? Float64Array : Float32Array;
  }

  alloc(n: number): Float {
    return new this.ctor(n);
  }

  free(_a: Float): void {
    // Garbage collected.
  }

  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float, aOff: number, lda: number,
    b: Float, bOff: number, ldb: number,
    beta: number, c: Float, cOff: number, ldc: number,
  ): void {
    for (let i = 0; i < m; i++) {
      const ci = cOff + i * ldc;
      if (beta === 0) for (let j = 0; j < n; j++) c[ci + j] = 0;
      else if (beta !== 1) for (let j = 0; j < n; j++) c[ci + j] *= beta;
    }
    if (alpha === 0 || k === 0) return;
    if (!transA && !transB) {
      // i-p-j order: the inner loop runs along rows of B and C.
      for (let i = 0; i < m; i++) {
        const ci = cOff + i * ldc;
        for (let p = 0; p < k; p++) {
          const av = alpha * a[aOff + i * lda + p];
          if (av === 0) continue;
          const bp = bOff + p * ldb;
          for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
        }
      }
    } else if (!transA && transB) {
      // Dot products of rows of A with rows of B.
      for (let i = 0; i < m; i++) {
        const ai = aOff + i * lda;
        const ci = cOff + i * ldc;
        for (let j = 0; j < n; j++) {
          const bj = bOff + j * ldb;
          let s = 0;
          for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
          c[ci + j] += alpha * s;
        }
      }
    } else if (transA && !transB) {
      // Outer products: row p of A (as a column) times row p of B.
      for (let p = 0; p < k; p++) {
        const ap = aOff + p * lda;
        const bp = bOff + p * ldb;
        for (let i = 0; i < m; i++) {
          const av = alpha * a[ap + i];
          if (av === 0) continue;
          const ci = cOff + i * ldc;
          for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
        }
      }
    } else {
      for (let i = 0; i < m; i++) {
        const ci = cOff + i * ldc;
        for (let j = 0; j < n; j++) {
          const bj = bOff + j * ldb;
          let s = 0;
          for (let p = 0; p < k; p++) s += a[aOff + p * lda + i] * b[bj + p];
          c[ci + j] += alpha * s;
        }
      }
    }
  }

  packB(transB: boolean, k: number, n: number, b: Float, bOff: number, ldb: number, into?: PackedB): PackedB {
    const p = (into ?? {}) as JsPackedB;
    return Object.assign(p, { k, n, transB, b, bOff, ldb });
  }

  gemmPackedB(transA: boolean, m: number, n: number, k: number, alpha: number,
    a: Float, aOff: number, lda: number, packed: PackedB,
    beta: number, c: Float, cOff: number, ldc: number): void {
    const p = packed as JsPackedB;
    if (p.k !== k || p.n !== n) throw new RecurError(`js kernels: gemmPackedB with k = ${k}, n = ${n} on a ${p.k}×${p.n} pack`);
    this.gemm(transA, p.transB, m, n, k, alpha, a, aOff, lda, p.b, p.bOff, p.ldb, beta, c, cOff, ldc);
  }

  freePackedB(_p: PackedB): void {
    // Nothing was allocated.
  }

  fillRows(m: number, n: number, v: Float, vOff: number, c: Float, cOff: number, ldc: number): void {
    for (let i = 0; i < m; i++) {
      const ci = cOff + i * ldc;
      for (let j = 0; j < n; j++) c[ci + j] = v[vOff + j];
    }
  }

  addColumnSums(m: number, n: number, a: Float, aOff: number, lda: number, out: Float, outOff: number): void {
    for (let i = 0; i < m; i++) {
      const ai = aOff + i * lda;
      for (let j = 0; j < n; j++) out[outOff + j] += a[ai + j];
    }
  }

  activationForward(act: Activation, leak: number, n: number, x: Float, xOff: number, y: Float, yOff: number): void {
    switch (act) {
      case 'tanh':
        for (let i = 0; i < n; i++) y[yOff + i] = Math.tanh(x[xOff + i]);
        break;
      case 'sigmoid':
        for (let i = 0; i < n; i++) y[yOff + i] = sigmoid(x[xOff + i]);
        break;
      case 'relu':
        for (let i = 0; i < n; i++) { const v = x[xOff + i]; y[yOff + i] = v > 0 ? v : 0; }
        break;
      case 'leaky_relu':
        for (let i = 0; i < n; i++) { const v = x[xOff + i]; y[yOff + i] = v > 0 ? v : leak * v; }
        break;
    }
  }

  activationBackward(act: Activation, leak: number, n: number, y: Float, yOff: number, dy: Float, dyOff: number, dx: Float, dxOff: number): void {
    switch (act) {
      case 'tanh':
        for (let i = 0; i < n; i++) { const v = y[yOff + i]; dx[dxOff + i] = dy[dyOff + i] * (1 - v * v); }
        break;
      case 'sigmoid':
        for (let i = 0; i < n; i++) { const v = y[yOff + i]; dx[dxOff + i] = dy[dyOff + i] * v * (1 - v); }
        break;
      case 'relu':
        for (let i = 0; i < n; i++) dx[dxOff + i] = y[yOff + i] > 0 ? dy[dyOff + i] : 0;
        break;
      case 'leaky_relu':
        // With a positive leak, y > 0 exactly when x > 0.
        for (let i = 0; i < n; i++) dx[dxOff + i] = y[yOff + i] > 0 ? dy[dyOff + i] : leak * dy[dyOff + i];
        break;
    }
  }

  lstmForward(b: number, h: number, gates: Float, gOff: number, cPrev: Float, cPrevOff: number,
    c: Float, cOff: number, hOut: Float, hOff: number): void {
    const g4 = 4 * h;
    for (let r = 0; r < b; r++) {
      const go = gOff + r * g4;
      const so = r * h;
      for (let j = 0; j < h; j++) {
        const ig = sigmoid(gates[go + j]);
        const fg = sigmoid(gates[go + h + j]);
        const gg = Math.tanh(gates[go + 2 * h + j]);
        const og = sigmoid(gates[go + 3 * h + j]);
        gates[go + j] = ig;
        gates[go + h + j] = fg;
        gates[go + 2 * h + j] = gg;
        gates[go + 3 * h + j] = og;
        const ct = fg * cPrev[cPrevOff + so + j] + ig * gg;
        c[cOff + so + j] = ct;
        hOut[hOff + so + j] = og * Math.tanh(ct);
      }
    }
  }

  lstmBackward(b: number, h: number, gates: Float, gOff: number, cPrev: Float, cPrevOff: number,
    c: Float, cOff: number, dh: Float, dhOff: number, dc: Float, dcOff: number,
    dGates: Float, dgOff: number): void {
    const g4 = 4 * h;
    for (let r = 0; r < b; r++) {
      const go = gOff + r * g4;
      const dgo = dgOff + r * g4;
      const so = r * h;
      for (let j = 0; j < h; j++) {
        const ig = gates[go + j];
        const fg = gates[go + h + j];
        const gg = gates[go + 2 * h + j];
        const og = gates[go + 3 * h + j];
        const tc = Math.tanh(c[cOff + so + j]);
        const dht = dh[dhOff + so + j];
        // through h = o·tanh(c), then c = f·cPrev + i·g
        const dct = dc[dcOff + so + j] + dht * og * (1 - tc * tc);
        dGates[dgo + j] = dct * gg * ig * (1 - ig);
        dGates[dgo + h + j] = dct * cPrev[cPrevOff + so + j] * fg * (1 - fg);
        dGates[dgo + 2 * h + j] = dct * ig * (1 - gg * gg);
        dGates[dgo + 3 * h + j] = dht * tc * og * (1 - og);
        dc[dcOff + so + j] = dct * fg;
      }
    }
  }

  gruForward(b: number, h: number, gx: Float, gxOff: number, gh: Float, ghOff: number,
    hPrev: Float, hPrevOff: number, hOut: Float, hOff: number): void {
    const g3 = 3 * h;
    for (let r = 0; r < b; r++) {
      const xo = gxOff + r * g3;
      const ho = ghOff + r * g3;
      const so = r * h;
      for (let j = 0; j < h; j++) {
        const rg = sigmoid(gx[xo + j] + gh[ho + j]);
        const zg = sigmoid(gx[xo + h + j] + gh[ho + h + j]);
        const ng = Math.tanh(gx[xo + 2 * h + j] + rg * gh[ho + 2 * h + j]);
        gx[xo + j] = rg;
        gx[xo + h + j] = zg;
        gx[xo + 2 * h + j] = ng;
        hOut[hOff + so + j] = (1 - zg) * ng + zg * hPrev[hPrevOff + so + j];
      }
    }
  }

  gruBackward(b: number, h: number, gates: Float, gOff: number, gh: Float, ghOff: number,
    hPrev: Float, hPrevOff: number, dh: Float, dhOff: number,
    dGx: Float, dGxOff: number, dGh: Float, dGhOff: number, dhPrev: Float, dhPrevOff: number): void {
    const g3 = 3 * h;
    for (let r = 0; r < b; r++) {
      const go = gOff + r * g3;
      const ho = ghOff + r * g3;
      const xo = dGxOff + r * g3;
      const hd = dGhOff + r * g3;
      const so = r * h;
      for (let j = 0; j < h; j++) {
        const rg = gates[go + j];
        const zg = gates[go + h + j];
        const ng = gates[go + 2 * h + j];
        const dht = dh[dhOff + so + j];
        const hp = hPrev[hPrevOff + so + j];
        // through h = (1−z)·n + z·hPrev, then n = tanh(gx_n + r·gh_n)
        const dnPre = dht * (1 - zg) * (1 - ng * ng);
        const dzPre = dht * (hp - ng) * zg * (1 - zg);
        const drPre = dnPre * gh[ho + 2 * h + j] * rg * (1 - rg);
        dGx[xo + j] = drPre;
        dGx[xo + h + j] = dzPre;
        dGx[xo + 2 * h + j] = dnPre;
        dGh[hd + j] = drPre;
        dGh[hd + h + j] = dzPre;
        dGh[hd + 2 * h + j] = dnPre * rg;
        dhPrev[dhPrevOff + so + j] = dht * zg;
      }
    }
  }
}
