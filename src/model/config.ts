// The model's configuration: plain data, saved as JSON beside the weights. parseModelConfig reads
// untrusted JSON field by field into a typed object (never merging it into a live one), with the
// readers of untrusted-json.ts (which also refuse the forbidden keys).

import type { CellKind } from '../cells/cell.js';
import { RecurError, fail } from '../errors.js';
import type { Activation, DType } from '../kernels/types.js';
import { ACTIVATIONS, CELL_KINDS, cellSpec } from '../cells/table.js';
import { checkStructure } from '../layers/stack.js';
import { INIT_KINDS, type InitKind } from '../tensor/init.js';
import { bool, int, number, object, oneOf } from './untrusted-json.js';

export type InputConfig =
  | { kind: 'features'; size: number }
  | { kind: 'tokens'; vocabSize: number; embedDim: number };

export interface InitConfig {
  /** Initializer of the recurrent weights W_hh; default: PyTorch's U(−1/√H, 1/√H). */
  recurrent: InitKind;
  /** Initializer of the input weights W_ih; default the same as `recurrent` (identity: default). */
  input?: InitKind;
  /** Scale for identity (the diagonal), constant, and a multiplier for the others. */
  scale?: number;
  /** LSTM forget-gate bias (b_ih's f block; b_hh's stays 0). Default: leave PyTorch's default. */
  forgetBias?: number;
}

export interface ModelConfig {
  input: InputConfig;
  cell: CellKind;
  activation?: Activation;
  leak?: number;
  hiddenSize: number;
  numLayers?: number;
  bidirectional?: boolean;
  dropout?: number;
  /** 'last': the head reads the final states; 'every': it reads every step. */
  outputMode: 'last' | 'every';
  outputSize: number;
  init?: InitConfig;
  dtype?: DType;
  /** Dilation of each layer (Chang et al. 2017), one per layer (numLayers must match). */
  dilations?: number[];
  /** Residual connections around every recurrent layer. */
  residual?: boolean;
  /** Skip RNN layers (Campos et al. 2018) with budget loss weight λ. */
  skip?: { budget: number };
  /**
   * IndRNN (cells with a vector recurrent weight): the bound on |u|, each unit's recurrent weight,
   * enforced after every update and the top of u's initial range U(0, recurrentMax) (the top
   * layer of a last-step model: U(1/recurrentMax, recurrentMax), as Li et al.'s code). Li et al. use
   * γ^{1/T} for sequences of T steps (γ = 2 for the adding problem); the CLI sets 2^{1/T} from the
   * task. Absent: u starts in U(0, 1) and is not bounded.
   */
  recurrentMax?: number;
}

/**
 * Largest dilation. A dilated layer runs d·B rows over ⌈T/d⌉ steps, so a dilation far beyond the
 * sequence length costs d/T times the memory for nothing (a 2 KB file saying 65536 asked for
 * gigabytes at T = 20); Chang et al. (2017) go to 512.
 */
export const MAX_DILATION = 4096;

const F = (name: string): string => `model config field "${name}"`;
const whole = (v: unknown, name: string, min = 1, max = 1 << 20): number => int(v, F(name), min, max);

/** Validates untrusted JSON (already parsed) into a ModelConfig; errors name the field. */
export function parseModelConfig(json: unknown): ModelConfig {
  const o = object(json, 'model config', ['input', 'cell', 'hiddenSize', 'outputMode', 'outputSize'],
    ['activation', 'leak', 'numLayers', 'bidirectional', 'dropout', 'init', 'dtype', 'dilations', 'residual', 'skip', 'recurrentMax']);
  const inp = object(o.input, F('input'), ['kind'], ['size', 'vocabSize', 'embedDim']);
  let input: InputConfig;
  const kind = oneOf(inp.kind, F('input.kind'), ['features', 'tokens'] as const);
  if (kind === 'features') {
    object(inp, F('input'), ['kind', 'size']);
    input = { kind, size: whole(inp.size, 'input.size') };
  } else {
    object(inp, F('input'), ['kind', 'vocabSize', 'embedDim']);
    input = { kind, vocabSize: whole(inp.vocabSize, 'input.vocabSize'), embedDim: whole(inp.embedDim, 'input.embedDim') };
  }
  const cfg: ModelConfig = {
    input,
    cell: oneOf(o.cell, F('cell'), CELL_KINDS),
    hiddenSize: whole(o.hiddenSize, 'hiddenSize', 1, 65536),
    outputMode: oneOf(o.outputMode, F('outputMode'), ['last', 'every'] as const),
    outputSize: whole(o.outputSize, 'outputSize', 1, 1 << 20),
  };
  if (o.activation !== undefined) cfg.activation = oneOf(o.activation, F('activation'), ACTIVATIONS);
  if (o.leak !== undefined) cfg.leak = number(o.leak, F('leak'), 1e-12, 1 - 1e-12);
  if (o.numLayers !== undefined) cfg.numLayers = whole(o.numLayers, 'numLayers', 1, 64);
  if (o.bidirectional !== undefined) cfg.bidirectional = bool(o.bidirectional, F('bidirectional'));
  if (o.dropout !== undefined) cfg.dropout = number(o.dropout, F('dropout'), 0, 0.99);
  if (o.dtype !== undefined) cfg.dtype = oneOf(o.dtype, F('dtype'), ['float32', 'float64'] as const);
  if (o.dilations !== undefined) {
    if (!Array.isArray(o.dilations)) fail(F('dilations'), 'an array of whole numbers, one per layer', o.dilations);
    if (o.dilations.length > 64) fail(F('dilations'), 'at most 64 layers', `${o.dilations.length}`);
    cfg.dilations = o.dilations.map((d, i) => whole(d, `dilations[${i}]`, 1, MAX_DILATION));
  }
  if (o.residual !== undefined) cfg.residual = bool(o.residual, F('residual'));
  if (o.recurrentMax !== undefined) {
    cfg.recurrentMax = number(o.recurrentMax, F('recurrentMax'), 1e-6, 1e6);
    if (cellSpec(cfg.cell).recurrent !== 'vector') throw new RecurError(`model config: "recurrentMax" expected a cell with one recurrent weight per unit (indrnn), received cell "${cfg.cell}"`);
  }
  if (o.skip !== undefined) {
    const sk = object(o.skip, F('skip'), ['budget']);
    cfg.skip = { budget: number(sk.budget, F('skip.budget'), 0, 1e6) };
  }
  if (o.init !== undefined) {
    const i = object(o.init, F('init'), ['recurrent'], ['input', 'scale', 'forgetBias']);
    const init: InitConfig = { recurrent: oneOf(i.recurrent, F('init.recurrent'), INIT_KINDS) };
    if (i.input !== undefined) init.input = oneOf(i.input, F('init.input'), INIT_KINDS);
    if (i.scale !== undefined) init.scale = number(i.scale, F('init.scale'), -1e6, 1e6);
    if (i.forgetBias !== undefined) init.forgetBias = number(i.forgetBias, F('init.forgetBias'), -1e6, 1e6);
    cfg.init = init;
  }
  checkStructure(cfg, { owner: 'model config: ', skip: '"skip"', bidirectional: '"bidirectional": true', dilations: '"dilations"', layers: '"numLayers": ' });
  return cfg;
}
