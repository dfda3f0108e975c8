// PyTorch golden values for the recurrent cells: fixtures written by scripts/golden_rnn.py
// (torch.nn.RNN / LSTM / GRU in float64, plus an explicit loop for sigmoid and leaky-relu RNNs).
// Weights, inputs, initial states and the loss projection are closed-form, so the formulas below
// rebuild exactly the numbers the script fed to PyTorch (they must stay in sync with the script).
// All arrays are time-major (batch_first=False) and flattened row-major.

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Sizes shared by every case: input I, hidden H, time steps T, batch B. */
export const GOLDEN_I = 3;
export const GOLDEN_H = 4;
export const GOLDEN_T = 5;
export const GOLDEN_B = 3;
/** Per-sequence lengths of the `_varlen` cases (batch order, not sorted). */
export const GOLDEN_VAR_LENGTHS: readonly number[] = [3, 5, 2];
/** Negative slope of the `rnn_leaky_relu_*` cases. */
export const GOLDEN_LEAK = 0.1;

// ---- closed forms: k is the flat row-major index inside the tensor -------------------------

/** Element k of parameter m, m counted in PyTorch's named_parameters() order (= `paramNames`). */
export const paramValue = (m: number, k: number): number => 0.6 * Math.cos(0.37 * k + 1.1 * m);
/** Input x, shape (T, B, I). */
export const xValue = (k: number): number => Math.sin(0.5 * k + 0.2);
/** Initial hidden state h0, shape (numLayers * D, B, H). */
export const h0Value = (k: number): number => 0.3 * Math.cos(0.9 * k + 0.4);
/** Initial LSTM cell state c0, shape (numLayers * D, B, H). */
export const c0Value = (k: number): number => 0.2 * Math.sin(0.7 * k + 0.1);
/** Loss weight of output[k], output shape (T, B, D * H). */
export const lossWeightOutput = (k: number): number => Math.cos(1.3 * k + 0.5);
/** Loss weight of h_n[k], h_n shape (numLayers * D, B, H). */
export const lossWeightHn = (k: number): number => Math.sin(1.7 * k + 0.3);
/** Loss weight of c_n[k] (LSTM only), same shape as h_n. */
export const lossWeightCn = (k: number): number => Math.cos(0.8 * k + 1.2);

/** A Float64Array of length n whose element k is fn(k). */
export function closedForm(n: number, fn: (k: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = fn(k);
  return out;
}

/** Values of parameter number m (named_parameters() order) with n elements. */
export const paramValues = (m: number, n: number): Float64Array => closedForm(n, (k) => paramValue(m, k));

/** x for a case: T * B * I values. */
export const goldenX = (): Float64Array => closedForm(GOLDEN_T * GOLDEN_B * GOLDEN_I, xValue);

/** h0 for a case with `numLayers` layers and `directions` (1 or 2) directions. */
export const goldenH0 = (numLayers: number, directions: number): Float64Array =>
  closedForm(numLayers * directions * GOLDEN_B * GOLDEN_H, h0Value);

/** c0 (LSTM) for a case with `numLayers` layers and `directions` (1 or 2) directions. */
export const goldenC0 = (numLayers: number, directions: number): Float64Array =>
  closedForm(numLayers * directions * GOLDEN_B * GOLDEN_H, c0Value);

/**
 * The fixed projection the fixtures differentiate:
 * L = Σ output[k]·cos(1.3k+0.5) + Σ h_n[k]·sin(1.7k+0.3) (+ Σ c_n[k]·cos(0.8k+1.2) for LSTM).
 * Its gradient with respect to output / h_n / c_n is just the weight, see `lossGradOutput` etc.
 */
export function goldenLoss(output: ArrayLike<number>, hN: ArrayLike<number>, cN?: ArrayLike<number> | null): number {
  let loss = 0;
  for (let k = 0; k < output.length; k++) loss += output[k]! * lossWeightOutput(k);
  for (let k = 0; k < hN.length; k++) loss += hN[k]! * lossWeightHn(k);
  if (cN) for (let k = 0; k < cN.length; k++) loss += cN[k]! * lossWeightCn(k);
  return loss;
}

/** dL/d output, length n = T * B * D * H. */
export const lossGradOutput = (n: number): Float64Array => closedForm(n, lossWeightOutput);
/** dL/d h_n, length n = numLayers * D * B * H. */
export const lossGradHn = (n: number): Float64Array => closedForm(n, lossWeightHn);
/** dL/d c_n (LSTM), length n = numLayers * D * B * H. */
export const lossGradCn = (n: number): Float64Array => closedForm(n, lossWeightCn);

// ---- fixtures -------------------------------------------------------------------------------

export type GoldenCell = 'rnn' | 'lstm' | 'gru';
export type GoldenActivation = 'tanh' | 'relu' | 'sigmoid' | 'leaky_relu';

/** One fixture file, test/fixtures/golden/<name>.json. */
export interface GoldenCase {
  /** `<cell>_l<layers>_<uni|bi>_<full|varlen>`, e.g. `lstm_l2_bi_varlen`, `rnn_tanh_l1_uni_full`. */
  name: string;
  cell: GoldenCell;
  /** Activation of a plain RNN; null for LSTM and GRU. */
  activation: GoldenActivation | null;
  /** Negative slope for `leaky_relu`, else null. */
  leak: number | null;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  T: number;
  B: number;
  /** Per-sequence lengths (packed with enforce_sorted=False), or null when all are T. */
  lengths: number[] | null;
  /** named_parameters() order: per layer, per direction (forward, then `_reverse`): w_ih, w_hh, b_ih, b_hh. */
  paramNames: string[];
  /** [rows, cols] for weights ((gates*H, in) / (gates*H, H)), [rows] for biases. */
  paramShapes: Record<string, number[]>;
  /** (T, B, I) */
  x: number[];
  /** (numLayers*D, B, H), ordered layer0-fwd, layer0-rev, layer1-fwd, ... */
  h0: number[];
  c0: number[] | null;
  /** (T, B, D*H): forward features then reverse ones; exactly 0 past each sequence's length. */
  output: number[];
  /** (numLayers*D, B, H), same ordering as h0; each sequence's state at its own last step. */
  h_n: number[];
  c_n: number[] | null;
  loss: number;
  /** dL/d parameter, keyed by name, flat row-major like the parameter. */
  grads: Record<string, number[]>;
  dx: number[];
  dh0: number[];
  dc0: number[] | null;
  /** `scripts/golden_rnn.py, torch <version>` */
  generatedBy: string;
}

/** test/fixtures/golden, from dist/test/helpers/ (compiled) up to the repository root. */
export const GOLDEN_DIR = fileURLToPath(new URL('../../../test/fixtures/golden', import.meta.url));

/** Every case in test/fixtures/golden, sorted by name. */
export function loadGoldenCases(): GoldenCase[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(GOLDEN_DIR, f), 'utf8')) as GoldenCase);
}

/** One case by name (throws when missing). */
export function loadGoldenCase(name: string): GoldenCase {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, `${name}.json`), 'utf8')) as GoldenCase;
}

/** Rebuilds a parameter's values from the closed form, using its index in `paramNames`. */
export function goldenParam(c: GoldenCase, name: string): Float64Array {
  const m = c.paramNames.indexOf(name);
  if (m < 0) throw new Error(`${c.name}: no parameter ${name}`);
  const n = c.paramShapes[name]!.reduce((a, b) => a * b, 1);
  return paramValues(m, n);
}
