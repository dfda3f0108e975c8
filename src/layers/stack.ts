// A stack of recurrent layers, like nn.RNN/nn.LSTM/nn.GRU with num_layers and bidirectional:
// layer l > 0 reads layer l−1's outputs (T, B, D·H), with dropout between layers in training.
// States are (L·D, B, H), ordered layer 0 forward, layer 0 reverse, layer 1 forward, … (PyTorch).
// With returnSequences false the output is (1, B, D·H): the final state of each direction of
// the top layer (forward: the state at each row's last real step; reverse: the state after t = 0).
// Options beyond PyTorch's: dilations (one per layer, dilated.ts), residual connections around
// every layer (residual.ts; in 'last' mode the top layer's term at the last real step joins its
// final state) and Skip RNN layers (skip.ts).

import type { Cell } from '../cells/cell.js';
import { makeCell, type CellKind } from '../cells/table.js';
import { RecurError, checkPositiveInt, describe, fail, firstNonFinite } from '../errors.js';
import type { Activation, Float, Kernels } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import { Dropout } from './dropout.js';
import type { ForwardContext, Layer, Seq } from './layer.js';
import { RecurrentLayer } from './recurrent.js';
import { DilatedLayer } from './dilated.js';
import { Residual } from './residual.js';
import { SkipLayer, checkSkipBudget, type SkipOptions } from './skip.js';
import type { TimeLayer } from './time-layer.js';
import type { Rng } from '../tensor/rng.js';

/** How a caller names the structural options in its messages: flags, JSON fields or plain words. */
export interface StructureNames { owner: string; skip: string; bidirectional: string; dilations: string; layers: string }
const PLAIN_NAMES: StructureNames = { owner: '', skip: 'Skip RNN', bidirectional: 'bidirectional', dilations: 'dilations', layers: '' };

/**
 * The rules between the structural options, written once: one dilation per layer; a Skip RNN is
 * unidirectional (whether it skips a step depends on the past) and undilated (it runs its own
 * step loop). The stack checks them on construction; the CLI and the model-config reader call
 * this too, with their own names, so a bad combination is refused where it was written.
 */
export function checkStructure(c: { numLayers?: number; bidirectional?: boolean; dilations?: readonly number[]; skip?: unknown }, names: StructureNames = PLAIN_NAMES): void {
  const layers = c.numLayers ?? 1;
  if (c.dilations && c.dilations.length !== layers) throw new RecurError(`${names.owner}${names.dilations}: expected one per layer (${names.layers}${layers}), received ${c.dilations.length}`);
  if (!c.skip) return;
  if (c.bidirectional) throw new RecurError(`${names.owner}${names.skip}: expected a unidirectional model (whether to skip a step depends on the past states), received ${names.bidirectional}`);
  if (c.dilations?.some((d) => d > 1)) throw new RecurError(`${names.owner}${names.skip}: expected no ${names.dilations} above 1 (a Skip RNN layer runs its own step loop), received ${describe(c.dilations)}`);
}

export interface RecurrentConfig {
  cell: CellKind;
  /** RNN cells only; default tanh. */
  activation?: Activation;
  /** Slope of leaky relu for x ≤ 0; default 0.01 (PyTorch's LeakyReLU default). */
  leak?: number;
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bidirectional?: boolean;
  /** Dropout between stacked layers (not after the last), like PyTorch; default 0. */
  dropout?: number;
  /** Output every step (T, B, D·H) or only the final states (1, B, D·H); default true. */
  returnSequences?: boolean;
  /** Dilation of each layer (Chang et al. 2017), one per layer; default all 1. */
  dilations?: readonly number[];
  /** Residual connection around every layer (a projection where the widths differ); default false. */
  residual?: boolean;
  /** Skip RNN layers (Campos et al. 2018) with budget loss weight λ; default plain layers. */
  skip?: SkipOptions;
}

export interface RecurrentState { h: Float; c: Float | null }

export class RecurrentStack implements Layer {
  readonly layers: TimeLayer[] = [];
  /** One per layer when residual, else empty. */
  readonly residuals: Residual[] = [];
  readonly params: Param[] = [];
  readonly numLayers: number;
  readonly directions: number;
  readonly hiddenSize: number;
  readonly inputSize: number;
  readonly returnSequences: boolean;
  readonly cell: Cell;
  private readonly dropouts: Dropout[] = [];
  private t = 0;
  private b = 0;
  private initial: RecurrentState | null = null;
  private readonly last: Seq;
  /** (D, B, H) final states of the top layer, read into `last` in its (B, D·H) order. */
  private topFinal: Float;
  private readonly dLastH: { data: Float };
  private resOut: Float[] = [];
  private dResTop: Float;
  private lengths: Int32Array | null = null;
  /** Gradient of the initial state after backward, (L·D, B, H). */
  readonly dInitial: { h: Float; c: Float };

  constructor(private readonly k: Kernels, readonly config: RecurrentConfig) {
    this.cell = makeCell(config);
    this.inputSize = checkPositiveInt('input size', config.inputSize);
    this.hiddenSize = checkPositiveInt('hidden size', config.hiddenSize);
    this.numLayers = checkPositiveInt('number of layers', config.numLayers ?? 1);
    this.directions = config.bidirectional ? 2 : 1;
    this.returnSequences = config.returnSequences ?? true;
    const p = config.dropout ?? 0;
    const dil = config.dilations;
    checkStructure(config);
    dil?.forEach((d, l) => checkPositiveInt(`dilation of layer ${l}`, d));
    if (config.skip) checkSkipBudget(config.skip.budget);
    const out = this.directions * this.hiddenSize;
    for (let l = 0; l < this.numLayers; l++) {
      const inW = l === 0 ? this.inputSize : out;
      const bi = this.directions === 2;
      const layer: TimeLayer = config.skip ? new SkipLayer(k, this.cell, inW, this.hiddenSize, l, config.skip)
        : dil && dil[l] > 1 ? new DilatedLayer(k, this.cell, inW, this.hiddenSize, l, bi, dil[l])
          : new RecurrentLayer(k, this.cell, inW, this.hiddenSize, l, bi);
      this.layers.push(layer);
      this.params.push(...layer.params);
      if (config.residual) {
        const res = new Residual(k, inW, out, l);
        this.residuals.push(res);
        this.params.push(...res.params);
        this.resOut.push(k.alloc(0));
      }
      if (l < this.numLayers - 1) this.dropouts.push(new Dropout(k, p));
    }
    this.dResTop = k.alloc(0);
    this.last = { data: k.alloc(0), t: 1, b: 0, f: this.directions * this.hiddenSize };
    this.topFinal = k.alloc(0);
    this.dLastH = { data: k.alloc(0) };
    this.dInitial = { h: k.alloc(0), c: k.alloc(0) };
  }

  /** Initializes what PyTorch's stacks do not have: Skip RNN gates, residual projections (nothing drawn when absent). */
  initExtras(rng: Rng): void {
    for (const layer of this.layers) if (layer instanceof SkipLayer) layer.initSkipGate(rng);
    for (const res of this.residuals) res.init(rng);
  }

  /** Skip RNN: λ·(state updates)/B of the last forward pass, summed over layers; 0 without skip layers. */
  get budgetLoss(): number {
    let s = 0;
    for (const layer of this.layers) if (layer instanceof SkipLayer) s += layer.budgetLoss;
    return s;
  }

  /** Skip RNN: state updates / real time steps of the last forward pass (mean over layers), null without skip layers. */
  get updateFraction(): number | null {
    const skips = this.layers.filter((l): l is SkipLayer => l instanceof SkipLayer);
    return skips.length ? skips.reduce((a, l) => a + l.updateFraction, 0) / skips.length : null;
  }

  get stateSize(): number {
    return this.numLayers * this.directions * this.b * this.hiddenSize;
  }

  /** Sets the state the next forward pass starts from ((L·D, B, H) each), or null for zeros. */
  setInitialState(s: RecurrentState | null): void {
    this.initial = s;
  }

  /** The one check of an initial state: (L·D, B, H) finite values each, c present for a cell with one. */
  private checkInitialState(s: RecurrentState, b: number): void {
    const n = this.numLayers * this.directions * b * this.hiddenSize;
    const shape = `(layers·directions ${this.numLayers * this.directions}, batch ${b}, hidden ${this.hiddenSize})`;
    const check = (what: string, v: Float | null): void => {
      if (!v) fail(what, `${n} values ${shape}`, 'none');
      if (v.length !== n) fail(what, `${n} values ${shape}`, `${v.length} values`);
      const bad = firstNonFinite(v);
      if (bad >= 0) fail(what, 'finite numbers', v[bad]);
    };
    check('initial hidden state', s.h);
    if (this.cell.hasCellState) check('initial cell state of an LSTM', s.c);
  }

  forward(x: Seq, ctx: ForwardContext): Seq {
    if (x.f !== this.inputSize) fail('recurrent input width', `${this.inputSize} features per step`, `${x.f}`);
    const { t, b } = x;
    this.t = t; this.b = b;
    const n = this.numLayers * this.directions * b * this.hiddenSize;
    if (this.initial) this.checkInitialState(this.initial, b);
    const per = this.directions * b * this.hiddenSize;
    const f = this.directions * this.hiddenSize;
    this.lengths = ctx.lengths;
    let input = x;
    let topInput = x;
    for (let l = 0; l < this.numLayers; l++) {
      const layer = this.layers[l];
      const h0 = this.initial ? this.initial.h.subarray(l * per, (l + 1) * per) : null;
      const c0 = this.initial?.c ? this.initial.c.subarray(l * per, (l + 1) * per) : null;
      if (layer instanceof SkipLayer) layer.training = ctx.training;
      topInput = input;
      layer.forward(input.data, 0, t, b, h0, c0, ctx.lengths);
      let data = layer.y.data;
      if (this.residuals.length && (l < this.numLayers - 1 || this.returnSequences)) {
        if (this.resOut[l].length !== t * b * f) { this.k.free(this.resOut[l]); this.resOut[l] = this.k.alloc(t * b * f); }
        this.residuals[l].forwardInto(input.data, data, this.resOut[l], t, b, ctx.lengths);
        data = this.resOut[l];
      }
      const out: Seq = { data, t, b, f };
      input = l < this.numLayers - 1 ? this.dropouts[l].forward(out, ctx) : out;
    }
    if (this.returnSequences) return input;
    if (this.last.data.length !== per) {
      this.k.free(this.last.data);
      this.k.free(this.topFinal);
      this.last.data = this.k.alloc(per);
      this.topFinal = this.k.alloc(per);
    }
    this.last.b = b;
    // final states are (D, B, H); the output row of batch b is [fwd_b | rev_b]
    const top = this.layers[this.numLayers - 1];
    const tmp = this.topFinal;
    top.finalState(tmp, 0, null, 0);
    const h = this.hiddenSize;
    for (let d = 0; d < this.directions; d++) {
      for (let r = 0; r < b; r++) {
        for (let j = 0; j < h; j++) this.last.data[r * this.directions * h + d * h + j] = tmp[(d * b + r) * h + j];
      }
    }
    if (this.residuals.length) {
      // the top layer's residual term at the step its final state comes from
      const term = this.residuals[this.numLayers - 1].computeTerm(topInput.data, t * b);
      this.forEachLastStep(b, (r, d, step) => {
        for (let j = 0; j < h; j++) this.last.data[r * f + d * h + j] += term[(step * b + r) * f + d * h + j];
      });
    }
    return this.last;
  }

  /** Calls fn(row, direction, step) for the step each row's last output comes from (forward: its last real step; reverse: 0); none for empty rows. */
  private forEachLastStep(b: number, fn: (r: number, d: number, step: number) => void): void {
    for (let r = 0; r < b; r++) {
      const len = this.lengths ? this.lengths[r] : this.t;
      if (len === 0) continue;
      for (let d = 0; d < this.directions; d++) fn(r, d, d === 0 ? len - 1 : 0);
    }
  }

  /** The final states (L·D, B, H) of the last forward pass. */
  finalState(): RecurrentState {
    const n = this.stateSize;
    const per = this.directions * this.b * this.hiddenSize;
    const h = this.k.alloc(n);
    const c = this.cell.hasCellState ? this.k.alloc(n) : null;
    for (let l = 0; l < this.numLayers; l++) this.layers[l].finalState(h, l * per, c, l * per);
    return { h, c };
  }

  backward(dy: Seq): Seq {
    return this.backwardWithState(dy, null);
  }

  /**
   * Backward with optional gradients reaching the final states ((L·D, B, H) each). Writes the
   * initial-state gradients into `dInitial`; returns the input gradient.
   */
  backwardWithState(dy: Seq | null, dFinal: { h: Float | null; c: Float | null } | null): Seq {
    const { t, b } = this;
    const h = this.hiddenSize;
    const per = this.directions * b * h;
    if (this.dInitial.h.length !== this.stateSize) {
      this.k.free(this.dInitial.h); this.k.free(this.dInitial.c);
      this.dInitial.h = this.k.alloc(this.stateSize);
      this.dInitial.c = this.k.alloc(this.cell.hasCellState ? this.stateSize : 0);
    }
    let dTop: Float | null = null;
    let dTopH: Float | null = dFinal?.h ? dFinal.h.subarray((this.numLayers - 1) * per) : null;
    if (this.returnSequences) {
      dTop = dy ? dy.data : null;
    } else if (dy) {
      // the last output is the top layer's final state: its gradient joins dh_n
      if (this.dLastH.data.length !== per) { this.k.free(this.dLastH.data); this.dLastH.data = this.k.alloc(per); }
      const g = this.dLastH.data;
      for (let d = 0; d < this.directions; d++) {
        for (let r = 0; r < b; r++) {
          for (let j = 0; j < h; j++) {
            g[(d * b + r) * h + j] = dy.data[r * this.directions * h + d * h + j] + (dTopH ? dTopH[(d * b + r) * h + j] : 0);
          }
        }
      }
      dTopH = g;
    }
    let dx: Seq | null = null;
    for (let l = this.numLayers - 1; l >= 0; l--) {
      const layer = this.layers[l];
      const dhN = l === this.numLayers - 1 ? dTopH : dFinal?.h ? dFinal.h.subarray(l * per, (l + 1) * per) : null;
      const dcN = dFinal?.c ? dFinal.c.subarray(l * per, (l + 1) * per) : null;
      const dh0 = this.dInitial.h.subarray(l * per, (l + 1) * per);
      const dc0 = this.cell.hasCellState ? this.dInitial.c.subarray(l * per, (l + 1) * per) : null;
      const dOut = l === this.numLayers - 1 ? dTop : dx!.data;
      layer.backward(dOut, 0, dhN, dcN, dh0, dc0);
      if (this.residuals.length) this.residualBackward(l, dOut, dy);
      const dIn: Seq = { data: layer.dx.data, t, b, f: layer.inputSize };
      dx = l > 0 ? this.dropouts[l - 1].backward(dIn) : dIn;
    }
    return dx!;
  }

  /** Adds the gradient through layer l's residual term into the layer's input gradient. */
  private residualBackward(l: number, dOut: Float | null, dy: Seq | null): void {
    const { t, b } = this;
    const layer = this.layers[l];
    let dTerm = dOut;
    if (l === this.numLayers - 1 && !this.returnSequences) {
      // 'last' mode: the term joined the output only at each row's last step
      const f = this.directions * this.hiddenSize, h = this.hiddenSize;
      if (this.dResTop.length !== t * b * f) { this.k.free(this.dResTop); this.dResTop = this.k.alloc(t * b * f); }
      this.dResTop.fill(0);
      if (dy) this.forEachLastStep(b, (r, d, step) => {
        for (let j = 0; j < h; j++) this.dResTop[(step * b + r) * f + d * h + j] = dy.data[r * f + d * h + j];
      });
      dTerm = this.dResTop;
    }
    if (dTerm) this.residuals[l].backward(dTerm, t, b, this.lengths, layer.dx.data);
  }
}
