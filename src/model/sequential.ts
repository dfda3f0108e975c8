// The model: [Embedding] → recurrent stack → Dense head, on the head's every step or last step.
// Parameters carry PyTorch's names under the module names a PyTorch twin would use:
//   embed.weight, rnn.weight_ih_l0, rnn.bias_hh_l1_reverse, …, head.weight, head.bias
//
// Shapes: features input (T, B, I) time-major; tokens input (T, B) ids. Output (T, B, O) for
// outputMode 'every', (1, B, O) for 'last'.

import type { ParamRole } from '../cells/cell.js';
import { DEFAULT_LEAK, cellActivation } from '../cells/table.js';
import { RecurError, checkPositiveInt, fail, firstNonFinite } from '../errors.js';
import { JsKernels } from '../kernels/js.js';
import type { Float, Kernels } from '../kernels/types.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import type { GateParam } from '../layers/direction.js';
import type { ForwardContext, Layer, Seq } from '../layers/layer.js';
import { RecurrentStack, type RecurrentState } from '../layers/stack.js';
import { gainFor, initMatrix } from '../tensor/init.js';
import { numel, type Param } from '../tensor/param.js';
import { Rng } from '../tensor/rng.js';
import type { InitConfig, ModelConfig } from './config.js';

export interface ForwardOptions {
  /** (B) real length of each sequence (0..T; a 0-length row passes its state through); omitted when every sequence is T long. */
  lengths?: ArrayLike<number> | null;
  /** Initial state (L·D, B, H) each; zeros when omitted. */
  state?: RecurrentState | null;
  /** Training mode (dropout on). Default false. */
  training?: boolean;
}

export class Sequential {
  readonly kernels: Kernels;
  readonly params: Param[] = [];
  readonly embedding: Embedding | null;
  readonly rnn: RecurrentStack;
  readonly head: Dense;
  readonly rng: Rng;
  private readonly inputWidth: number;
  private xBuf: Seq;
  private lengths: Int32Array | null = null;

  /** `initialize: false` leaves the weights at zero (for a copy whose weights are set next). */
  constructor(readonly config: ModelConfig, opts: { kernels?: Kernels; seed?: number; initialize?: boolean } = {}) {
    const dtype = config.dtype ?? 'float32';
    this.kernels = opts.kernels ?? new JsKernels(dtype);
    if (this.kernels.dtype !== dtype) fail('kernels', `a ${dtype} kernel set (the model's dtype)`, this.kernels.dtype);
    const k = this.kernels;
    this.rng = new Rng(opts.seed ?? 0);
    let rnnInput: number;
    if (config.input.kind === 'tokens') {
      this.embedding = new Embedding(k, checkPositiveInt('vocabulary size', config.input.vocabSize), checkPositiveInt('embedding size', config.input.embedDim));
      rnnInput = config.input.embedDim;
      this.inputWidth = 1;
    } else {
      this.embedding = null;
      rnnInput = checkPositiveInt('input size', config.input.size);
      this.inputWidth = rnnInput;
    }
    this.rnn = new RecurrentStack(k, {
      cell: config.cell, activation: config.activation, leak: config.leak,
      inputSize: rnnInput, hiddenSize: config.hiddenSize, numLayers: config.numLayers ?? 1,
      bidirectional: config.bidirectional ?? false, dropout: config.dropout ?? 0,
      returnSequences: config.outputMode === 'every',
      dilations: config.dilations, residual: config.residual, skip: config.skip,
    });
    this.head = new Dense(k, this.rnn.directions * this.rnn.hiddenSize, checkPositiveInt('output size', config.outputSize));
    for (const p of this.embedding?.params ?? []) this.params.push(p);
    for (const p of this.rnn.params) this.params.push({ ...p, name: `rnn.${p.name}` });
    this.params.push(...this.head.params);
    this.xBuf = { data: k.alloc(0), t: 0, b: 0, f: this.inputWidth };
    if (opts.initialize !== false) this.initialize(config.init);
  }

  get paramCount(): number {
    return this.params.reduce((s, p) => s + numel(p.shape), 0);
  }

  param(name: string): Param {
    const p = this.params.find((q) => q.name === name);
    if (!p) throw new RecurError(`no parameter named "${name}" (the model has ${this.params.map((q) => q.name).join(', ')})`);
    return p;
  }

  /**
   * Sets every parameter from the model's RNG: PyTorch's defaults (recurrent U(−1/√H, 1/√H),
   * Linear U(−1/√in, 1/√in), Embedding N(0, 1)), or the recurrent initializers in `init`.
   */
  initialize(init?: InitConfig): void {
    const rng = this.rng;
    if (this.embedding) { const w = this.embedding.weight.value; for (let i = 0; i < w.length; i++) w[i] = rng.normal(); }
    // the cell's parameters by role (layers/direction.ts), in PyTorch's order; the Skip RNN gate and residual projections are initExtras'
    const layers = this.rnn.layers;
    for (const layer of layers) {
      // IndRNN: the top layer of a last-step model starts as an integrator (see initGateParam)
      const keeps = layer === layers[layers.length - 1] && this.config.outputMode === 'last';
      for (const { param, role } of layer.gateParams) this.initGateParam(param, role, init, keeps);
      if (init?.forgetBias !== undefined) this.setForgetBias(layer.gateParams, init.forgetBias);
    }
    const inF = this.head.inFeatures;
    initMatrix(this.head.weight.value, 0, 1, numel(this.head.weight.shape), { kind: 'default', hiddenSize: inF }, rng);
    initMatrix(this.head.bias.value, 0, 1, this.head.outFeatures, { kind: 'default', hiddenSize: inF }, rng);
    this.rnn.initExtras(rng);
  }

  /** One parameter of a recurrent layer: PyTorch's default, or the initializer `init` names for its role, one gate block (H rows) at a time. */
  private initGateParam(p: Param, role: ParamRole, init: InitConfig | undefined, keeps = false): void {
    const h = this.rnn.hiddenSize;
    // a vector recurrent weight (IndRNN's u), whatever `init` says, as Li et al.'s code: U(0, max),
    // and for the top layer of a model that reads only the last step U(1/max, max) when max > 1
    // (their u_lastlayer_ini), units that keep what they hold to the end of the sequence
    if (role === 'recurrent' && this.rnn.cell.spec.recurrent === 'vector') {
      const max = this.config.recurrentMax ?? 1, lo = keeps && max > 1 ? 1 / max : 0;
      for (let i = 0; i < p.value.length; i++) p.value[i] = lo + this.rng.uniform() * (max - lo);
      return;
    }
    if (!init || init.recurrent === 'default' && init.input === undefined) {
      initMatrix(p.value, 0, 1, numel(p.shape), { kind: 'default', hiddenSize: h }, this.rng);
      return;
    }
    if (role === 'input_bias' || role === 'hidden_bias') { p.value.fill(0); return; }
    let kind = role === 'input' ? init.input ?? init.recurrent : init.recurrent;
    if (role === 'input' && kind === 'identity') kind = 'default';
    const act = cellActivation(this.config.cell, this.config.activation);
    const gain = kind === 'he' || kind === 'he_normal' ? (act === 'leaky_relu' ? gainFor('leaky_relu', this.config.leak ?? DEFAULT_LEAK) : gainFor('relu')) : 1;
    const cols = p.shape[1];
    for (let blk = 0; blk < this.rnn.cell.gates; blk++) {
      initMatrix(p.value, blk * h * cols, h, cols, { kind, gain, scale: kind === 'default' ? 1 : init.scale, hiddenSize: h }, this.rng);
    }
  }

  /** The forget gate's block of b_ih to `value` and of b_hh to 0 (cells with a forget gate; the others ignore it). */
  private setForgetBias(params: readonly GateParam[], value: number): void {
    const block = this.rnn.cell.spec.forgetGate, h = this.rnn.hiddenSize;
    if (block === null) return;
    for (const { param, role } of params) {
      if (role !== 'input_bias' && role !== 'hidden_bias') continue;
      for (let j = block * h; j < (block + 1) * h; j++) param.value[j] = role === 'input_bias' ? value : 0;
    }
  }

  /** Loss terms of the model itself for the last forward pass (the Skip RNN budget λ·Σu); their gradients are added by backward. */
  auxLoss(): number {
    return this.rnn.budgetLoss;
  }

  /** Skip RNN: state updates used / time steps in the last forward pass; null for other models. */
  updateFraction(): number | null {
    return this.rnn.updateFraction;
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /**
   * Puts the weights back inside their constraints after an update (the Trainer calls it after
   * every optimizer step): IndRNN's |u| ≤ recurrentMax. Nothing for the other cells.
   */
  constrain(): void {
    if (this.config.recurrentMax === undefined) return;
    const max = this.config.dtype === 'float64' ? this.config.recurrentMax : float32Below(this.config.recurrentMax);
    for (const layer of this.rnn.layers) {
      for (const { param, role } of layer.gateParams) {
        if (role !== 'recurrent') continue;
        const u = param.value;
        for (let i = 0; i < u.length; i++) u[i] = Math.min(max, Math.max(-max, u[i]));
      }
    }
  }

  /** Runs the model; x is (T, B, I) features or (T, B) token ids, time-major. */
  forward(x: ArrayLike<number>, t: number, b: number, opts: ForwardOptions = {}): Seq {
    checkPositiveInt('sequence length T', t);
    checkPositiveInt('batch size B', b);
    const w = this.inputWidth;
    if (x.length !== t * b * w) {
      fail('input', `${t * b * w} values (T ${t} × B ${b} × ${w === 1 && this.embedding ? 'one token id' : `${w} features`})`, `${x.length}`);
    }
    if (this.xBuf.data.length !== t * b * w) { this.kernels.free(this.xBuf.data); this.xBuf.data = this.kernels.alloc(t * b * w); }
    // typed arrays convert natively (NaN and ±Infinity stay so, a finite float64 beyond float32's
    // range becomes ±Infinity), so one check of the copy finds every value the model cannot take
    if (ArrayBuffer.isView(x)) this.xBuf.data.set(x as unknown as ArrayLike<number>);
    else for (let i = 0; i < t * b * w; i++) this.xBuf.data[i] = x[i];
    const bad = firstNonFinite(this.xBuf.data);
    if (bad >= 0) {
      const ti = Math.floor(bad / (b * w)), bi = Math.floor(bad / w) % b;
      fail(`input at step ${ti}, sequence ${bi}`, this.xBuf.data instanceof Float32Array ? 'a finite number within float32 range' : 'a finite number', x[bad]);
    }
    this.lengths = this.checkLengths(opts.lengths ?? null, t, b);
    this.rnn.setInitialState(opts.state ?? null);
    this.xBuf.t = t; this.xBuf.b = b;
    const ctx: ForwardContext = { training: opts.training ?? false, rng: this.rng, lengths: this.lengths };
    let y = this.xBuf;
    const layers: Layer[] = this.embedding ? [this.embedding, this.rnn, this.head] : [this.rnn, this.head];
    for (const layer of layers) y = layer.forward(y, ctx);
    return y;
  }

  /**
   * Backpropagates dOut (the gradient of the loss with respect to the last forward's output) and,
   * optionally, gradients reaching the final states. Adds into every parameter's grad. Returns
   * the gradient of the input features (null for token inputs).
   */
  backward(dOut: Seq | null, dFinal: { h: Float | null; c: Float | null } | null = null): Seq | null {
    const dHead = dOut ? this.head.backward(dOut) : null;
    const dIn = this.rnn.backwardWithState(dHead, dFinal);
    if (!this.embedding) return dIn;
    this.embedding.backward(dIn);
    return null;
  }

  /** Final states (L·D, B, H) of the last forward pass. */
  finalState(): RecurrentState {
    return this.rnn.finalState();
  }

  /** Gradient of the initial state after backward. */
  get dInitialState(): { h: Float; c: Float } {
    return this.rnn.dInitial;
  }

  private checkLengths(lengths: ArrayLike<number> | null, t: number, b: number): Int32Array | null {
    if (!lengths) return null;
    if (lengths.length !== b) fail('lengths', `one length per sequence (${b})`, `${lengths.length} values`);
    const out = new Int32Array(b);
    for (let i = 0; i < b; i++) {
      const v = lengths[i];
      if (!Number.isInteger(v) || v < 0 || v > t) fail(`length of sequence ${i}`, `a whole number in [0, ${t}] (0: all padding)`, v);
      out[i] = v;
    }
    return out;
  }

}

/** The largest float32 value ≤ x (x > 0): a bound that storing in float32 does not round above. */
function float32Below(x: number): number {
  const f = new Float32Array([x]);
  if (f[0] > x) new Uint32Array(f.buffer)[0]--;
  return f[0];
}
