// The model's configuration: plain data, saved as JSON beside the weights. parseModelConfig reads
// untrusted JSON field by field into a typed object (never merging it into a live one).

import type { CellKind } from '../cells/cell.js';
import { RecurError, fail } from '../errors.js';
import type { Activation, DType } from '../kernels/types.js';
import { ACTIVATIONS, CELL_KINDS, cellSpec } from '../cells/table.js';
import { INIT_KINDS, type InitKind } from '../tensor/init.js';

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
   * enforced after every update and the top of u's initial range U(0, recurrentMax). Li et al. use
   * γ^{1/T} for sequences of T steps (γ = 2 for the adding problem); the CLI sets 2^{1/T} from the
   * task. Absent: u starts in U(0, 1) and is not bounded.
   */
  recurrentMax?: number;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'a JSON object', Array.isArray(v) ? 'an array' : v);
  for (const key of Object.keys(v)) if (FORBIDDEN.has(key)) throw new RecurError(`${where}: the key "${key}" is not allowed`);
  return v as Record<string, unknown>;
}

function int(v: unknown, where: string, min = 1, max = 1 << 20): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(where, `a whole number in [${min}, ${max}]`, v);
  return v;
}

function num(v: unknown, where: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) fail(where, `a number in [${lo}, ${hi}]`, v);
  return v;
}

function oneOf<T extends string>(v: unknown, where: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(where, allowed.join(' | '), v);
  return v as T;
}

function onlyKeys(o: Record<string, unknown>, where: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new RecurError(`${where}: unknown field "${k}" (expected one of ${keys.join(', ')})`);
}

/** Validates untrusted JSON (already parsed) into a ModelConfig; errors name the field. */
export function parseModelConfig(json: unknown): ModelConfig {
  const o = obj(json, 'model config');
  onlyKeys(o, 'model config', ['input', 'cell', 'activation', 'leak', 'hiddenSize', 'numLayers', 'bidirectional', 'dropout', 'outputMode', 'outputSize', 'init', 'dtype', 'dilations', 'residual', 'skip', 'recurrentMax']);
  const inp = obj(o.input, 'model config field "input"');
  let input: InputConfig;
  const kind = oneOf(inp.kind, 'model config field "input.kind"', ['features', 'tokens'] as const);
  if (kind === 'features') {
    onlyKeys(inp, 'model config field "input"', ['kind', 'size']);
    input = { kind, size: int(inp.size, 'model config field "input.size"') };
  } else {
    onlyKeys(inp, 'model config field "input"', ['kind', 'vocabSize', 'embedDim']);
    input = { kind, vocabSize: int(inp.vocabSize, 'model config field "input.vocabSize"'), embedDim: int(inp.embedDim, 'model config field "input.embedDim"') };
  }
  const cfg: ModelConfig = {
    input,
    cell: oneOf(o.cell, 'model config field "cell"', CELL_KINDS),
    hiddenSize: int(o.hiddenSize, 'model config field "hiddenSize"', 1, 65536),
    outputMode: oneOf(o.outputMode, 'model config field "outputMode"', ['last', 'every'] as const),
    outputSize: int(o.outputSize, 'model config field "outputSize"', 1, 1 << 20),
  };
  if (o.activation !== undefined) cfg.activation = oneOf(o.activation, 'model config field "activation"', ACTIVATIONS);
  if (o.leak !== undefined) cfg.leak = num(o.leak, 'model config field "leak"', 1e-12, 1 - 1e-12);
  if (o.numLayers !== undefined) cfg.numLayers = int(o.numLayers, 'model config field "numLayers"', 1, 64);
  if (o.bidirectional !== undefined) {
    if (typeof o.bidirectional !== 'boolean') fail('model config field "bidirectional"', 'true or false', o.bidirectional);
    cfg.bidirectional = o.bidirectional;
  }
  if (o.dropout !== undefined) cfg.dropout = num(o.dropout, 'model config field "dropout"', 0, 0.99);
  if (o.dtype !== undefined) cfg.dtype = oneOf(o.dtype, 'model config field "dtype"', ['float32', 'float64'] as const);
  if (o.dilations !== undefined) {
    if (!Array.isArray(o.dilations)) fail('model config field "dilations"', 'an array of whole numbers, one per layer', o.dilations);
    const layers = cfg.numLayers ?? 1;
    if (o.dilations.length !== layers) fail('model config field "dilations"', `one dilation per layer (${layers})`, `${o.dilations.length}`);
    cfg.dilations = o.dilations.map((d, i) => int(d, `model config field "dilations[${i}]"`, 1, 1 << 16));
  }
  if (o.residual !== undefined) {
    if (typeof o.residual !== 'boolean') fail('model config field "residual"', 'true or false', o.residual);
    cfg.residual = o.residual;
  }
  if (o.recurrentMax !== undefined) {
    cfg.recurrentMax = num(o.recurrentMax, 'model config field "recurrentMax"', 1e-6, 1e6);
    if (cellSpec(cfg.cell).recurrent !== 'vector') throw new RecurError(`model config: "recurrentMax" expected a cell with one recurrent weight per unit (indrnn), received cell "${cfg.cell}"`);
  }
  if (o.skip !== undefined) {
    const sk = obj(o.skip, 'model config field "skip"');
    onlyKeys(sk, 'model config field "skip"', ['budget']);
    cfg.skip = { budget: num(sk.budget, 'model config field "skip.budget"', 0, 1e6) };
    if (cfg.bidirectional) throw new RecurError('model config: "skip" expected a unidirectional model, received "bidirectional": true');
    if (cfg.dilations?.some((d) => d > 1)) throw new RecurError('model config: "skip" expected no dilations above 1, received both');
  }
  if (o.init !== undefined) {
    const i = obj(o.init, 'model config field "init"');
    onlyKeys(i, 'model config field "init"', ['recurrent', 'input', 'scale', 'forgetBias']);
    const init: InitConfig = { recurrent: oneOf(i.recurrent, 'model config field "init.recurrent"', INIT_KINDS) };
    if (i.input !== undefined) init.input = oneOf(i.input, 'model config field "init.input"', INIT_KINDS);
    if (i.scale !== undefined) init.scale = num(i.scale, 'model config field "init.scale"', -1e6, 1e6);
    if (i.forgetBias !== undefined) init.forgetBias = num(i.forgetBias, 'model config field "init.forgetBias"', -1e6, 1e6);
    cfg.init = init;
  }
  return cfg;
}
