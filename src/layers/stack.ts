// A stack of recurrent layers, like nn.RNN/nn.LSTM/nn.GRU with num_layers and bidirectional:
// layer l > 0 reads layer l−1's outputs (T, B, D·H), with dropout between layers in training.
// States are (L·D, B, H), ordered layer 0 forward, layer 0 reverse, layer 1 forward, … (PyTorch).
// With returnSequences false the output is (1, B, D·H): the final state of each direction of
// the top layer (forward: the state at each row's last real step; reverse: the state after t = 0).

import type { Cell, CellKind } from '../cells/cell.js';
import { GruCell } from '../cells/gru.js';
import { LstmCell } from '../cells/lstm.js';
import { RnnCell } from '../cells/rnn.js';
import { checkPositiveInt, fail } from '../errors.js';
import type { Activation, Float, Kernels } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import { Dropout } from './dropout.js';
import type { ForwardContext, Layer, Seq } from './layer.js';
import { RecurrentLayer } from './recurrent.js';

export const ACTIVATIONS: readonly Activation[] = ['tanh', 'sigmoid', 'relu', 'leaky_relu'];
export const CELL_KINDS: readonly CellKind[] = ['rnn', 'lstm', 'gru'];

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
}

export interface RecurrentState { h: Float; c: Float | null }

export function makeCell(cfg: RecurrentConfig): Cell {
  switch (cfg.cell) {
    case 'rnn': {
      const act = cfg.activation ?? 'tanh';
      if (!ACTIVATIONS.includes(act)) fail('activation', ACTIVATIONS.join(' | '), act);
      const leak = cfg.leak ?? 0.01;
      if (!(leak > 0 && leak < 1)) fail('leak (slope of leaky relu)', 'a number in (0, 1)', leak);
      return new RnnCell(act, leak);
    }
    case 'lstm': return new LstmCell();
    case 'gru': return new GruCell();
    default: return fail('cell', CELL_KINDS.join(' | '), (cfg as { cell: unknown }).cell);
  }
}

export class RecurrentStack implements Layer {
  readonly layers: RecurrentLayer[] = [];
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
    for (let l = 0; l < this.numLayers; l++) {
      const inW = l === 0 ? this.inputSize : this.directions * this.hiddenSize;
      const layer = new RecurrentLayer(k, this.cell, inW, this.hiddenSize, l, this.directions === 2);
      this.layers.push(layer);
      this.params.push(...layer.params);
      if (l < this.numLayers - 1) this.dropouts.push(new Dropout(k, p));
    }
    this.last = { data: k.alloc(0), t: 1, b: 0, f: this.directions * this.hiddenSize };
    this.topFinal = k.alloc(0);
    this.dLastH = { data: k.alloc(0) };
    this.dInitial = { h: k.alloc(0), c: k.alloc(0) };
  }

  get stateSize(): number {
    return this.numLayers * this.directions * this.b * this.hiddenSize;
  }

  /** Sets the state the next forward pass starts from ((L·D, B, H) each), or null for zeros. */
  setInitialState(s: RecurrentState | null): void {
    this.initial = s;
  }

  forward(x: Seq, ctx: ForwardContext): Seq {
    if (x.f !== this.inputSize) fail('recurrent input width', `${this.inputSize} features per step`, `${x.f}`);
    const { t, b } = x;
    this.t = t; this.b = b;
    const n = this.numLayers * this.directions * b * this.hiddenSize;
    if (this.initial) {
      if (this.initial.h.length !== n) fail('initial hidden state', `${n} values (layers·directions ${this.numLayers * this.directions} × batch ${b} × hidden ${this.hiddenSize})`, `${this.initial.h.length}`);
      if (this.cell.hasCellState && this.initial.c && this.initial.c.length !== n) fail('initial cell state', `${n} values`, `${this.initial.c.length}`);
    }
    const per = this.directions * b * this.hiddenSize;
    let input = x;
    for (let l = 0; l < this.numLayers; l++) {
      const layer = this.layers[l];
      const h0 = this.initial ? this.initial.h.subarray(l * per, (l + 1) * per) : null;
      const c0 = this.initial?.c ? this.initial.c.subarray(l * per, (l + 1) * per) : null;
      layer.forward(input.data, 0, t, b, h0, c0, ctx.lengths);
      const out: Seq = { data: layer.y.data, t, b, f: this.directions * this.hiddenSize };
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
    return this.last;
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
      layer.backward(l === this.numLayers - 1 ? dTop : dx!.data, 0, dhN, dcN, dh0, dc0);
      const dIn: Seq = { data: layer.dx.data, t, b, f: layer.inputSize };
      dx = l > 0 ? this.dropouts[l - 1].backward(dIn) : dIn;
    }
    return dx!;
  }
}
