// The table of cells: one row per cell, its description (CellSpec, in the cell's own file). Every
// reader of "what is this cell" comes here: the config parser and the CLI (CELL_KINDS,
// ACTIVATIONS), the stack (makeCell), the direction controller, the model's initializer and size
// bound, ONNX export and the saturation diagnostics. A new cell is its file in this folder, its
// row below, and its kernels (see docs/architecture.md).

import { fail } from '../errors.js';
import type { Activation } from '../kernels/types.js';
import type { Cell, CellSpec } from './cell.js';
import { GRU } from './gru.js';
import { INDRNN } from './indrnn.js';
import { LSTM } from './lstm.js';
import { MINGRU } from './mingru.js';
import { MINLSTM } from './minlstm.js';
import { RNN } from './rnn.js';

export const CELL_KINDS = ['rnn', 'lstm', 'gru', 'indrnn', 'mingru', 'minlstm'] as const;
export type CellKind = (typeof CELL_KINDS)[number];

export const CELLS: Readonly<Record<CellKind, CellSpec>> = { rnn: RNN, lstm: LSTM, gru: GRU, indrnn: INDRNN, mingru: MINGRU, minlstm: MINLSTM };

/** Every activation some cell accepts (the config's "activation" field). */
export const ACTIVATIONS: readonly Activation[] = [...new Set(CELL_KINDS.flatMap((k) => CELLS[k].activations ?? []))];

/** Leaky relu's slope for x ≤ 0 when the config gives none (PyTorch's LeakyReLU default). */
export const DEFAULT_LEAK = 0.01;

export function cellSpec(kind: CellKind): CellSpec {
  return Object.prototype.hasOwnProperty.call(CELLS, kind) ? CELLS[kind] : fail('cell', CELL_KINDS.join(' | '), kind);
}

/** The activation a config means: its own, or the cell's default; undefined for cells with fixed activations. */
export function cellActivation(kind: CellKind, activation: Activation | undefined): Activation | undefined {
  const accepted = cellSpec(kind).activations;
  return accepted ? activation ?? accepted[0] : undefined;
}

/** A configured cell, its activation and leak checked against what the cell accepts. */
export function makeCell(cfg: { cell: CellKind; activation?: Activation; leak?: number }): Cell {
  const spec = cellSpec(cfg.cell);
  const leak = cfg.leak ?? DEFAULT_LEAK;
  if (spec.activations) {
    const act = cfg.activation ?? spec.activations[0];
    if (!spec.activations.includes(act)) fail('activation', spec.activations.join(' | '), act);
    if (!(leak > 0 && leak < 1)) fail('leak (slope of leaky relu)', 'a number in (0, 1)', leak);
    return spec.create(act, leak);
  }
  return spec.create('tanh', leak);
}
