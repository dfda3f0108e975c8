// Memory a model needs, from its config and the shapes it will run on, before anything is
// allocated: so that a size the kernels cannot hold is refused with one line ("needs 64 GiB; the
// wasm kernels hold at most 4 GiB") instead of failing inside an allocation, or growing until the
// machine gives out. Pure arithmetic over the config; nothing here allocates or reads the machine.
//
// What is counted (E = bytes of the model's dtype, P = parameter values, per layer l: input width
// I_l, dilation d, D directions, G gates of H units; Tp = T rounded up to a multiple of d, since a
// dilated layer pads T to ⌈T/d⌉·d steps of d·B rows, dilated.ts):
//   kernel memory (the wasm heap, or typed arrays of the js kernels)
//     parameters and their gradients                      2·P·E
//     per layer and direction, for every (T, B) shape (direction.ts, skip.ts, dilated.ts):
//       gate pre-activations and their gradients          2·Tp·B·G·H·E  (4 when b_hh is kept apart: GRU)
//       states h (and c for cells with two states), T+1 slots   (Tp + d)·B·H·E each (Skip RNN: 2T+1)
//     per layer: outputs y, input gradients dx, the dilated layer's permuted copies, residual and
//       dropout buffers, the embedding's output, the head's output and input gradient
//   host memory (plain typed arrays)
//     training: optimizer slots, the NaN guard's snapshot, clipping scratch   4·P·E
//     the batch itself (float64): x (T, B, I) and the targets
// Shapes are sized once per (T, B) and the training and validation shapes reuse the same buffers
// one after the other, so the larger of them counts, not their sum. It is an estimate, within
// a few percent of what the buffers hold, not a measurement: its job is to refuse sizes that are
// wrong by a factor, before they are tried.

import { cellSpec } from '../cells/table.js';
import type { ModelConfig } from './config.js';
import { configValueCount } from './io.js';

/** Largest wasm memory: 65536 pages of 64 KiB, the most a 32-bit WebAssembly.Memory can have. */
export const WASM_MEMORY_BYTES = 4 * 2 ** 30;
/** The wasm kernels' own workspace per thread (gemm packing), rounded up. */
const WASM_WORKSPACE_BYTES = 2 ** 20;

/** One shape a model runs on: T steps of B sequences. */
export interface RunShape { t: number; b: number }

export interface MemoryNeed {
  /** Bytes held by kernel buffers (all of it in the wasm heap with the wasm kernels). */
  kernelBytes: number;
  /** Bytes held outside the kernels: optimizer state, the batch. */
  hostBytes: number;
}

export interface MemoryLimits {
  /** Most the kernels' buffers may hold (WASM_MEMORY_BYTES for wasm). */
  kernelBytes: number;
  /** Most the whole run may hold. */
  totalBytes: number;
  /** Names the kernels in the message ("the wasm kernels"). */
  kernels: string;
}

/** The memory `config` needs to run on every shape in `shapes` (training: with backward and optimizer). */
export function memoryNeed(config: ModelConfig, shapes: readonly RunShape[], o: { training: boolean; threads?: number }): MemoryNeed {
  const e = (config.dtype ?? 'float32') === 'float64' ? 8 : 4;
  const p = configValueCount(config);
  let activations = 0;
  let batch = 0;
  for (const s of shapes) {
    activations = Math.max(activations, activationValues(config, s));
    batch = Math.max(batch, batchBytes(config, s));
  }
  return {
    kernelBytes: (2 * p + activations) * e + (o.threads ?? 1) * WASM_WORKSPACE_BYTES,
    hostBytes: (o.training ? 4 * p * e : 0) + batch,
  };
}

/** A one-line refusal when `need` does not fit `limits`, else null. */
export function overBudget(need: MemoryNeed, limits: MemoryLimits): string | null {
  const total = need.kernelBytes + need.hostBytes;
  if (need.kernelBytes > limits.kernelBytes) return `needs ${gib(need.kernelBytes)} GiB; ${limits.kernels} hold at most ${gib(limits.kernelBytes)} GiB`;
  if (total > limits.totalBytes) return `needs ${gib(total)} GiB; ${limits.kernels} may use at most ${gib(limits.totalBytes)} GiB on this machine`;
  return null;
}

/** GiB with two significant digits (0.5, 12, 64). */
export function gib(bytes: number): string {
  const g = bytes / 2 ** 30;
  return g >= 10 ? g.toFixed(0) : g >= 0.01 ? String(Number(g.toPrecision(2))) : '< 0.01';
}

/** Values of the kernel buffers sized for one (T, B): the layers, the embedding and the head. */
function activationValues(config: ModelConfig, { t, b }: RunShape): number {
  const h = config.hiddenSize;
  const dirs = config.bidirectional ? 2 : 1;
  const spec = cellSpec(config.cell);
  const gh = spec.gates.length * h;
  const cellState = spec.states === 2, apart = spec.hiddenBias === 'apart';
  const layers = config.numLayers ?? 1;
  const out = dirs * h;
  let width = config.input.kind === 'tokens' ? config.input.embedDim : config.input.size;
  let n = t * b * width; // the embedding's output, or the model's input copy
  for (let l = 0; l < layers; l++) {
    const d = config.dilations?.[l] ?? 1;
    const tp = Math.ceil(t / d) * d; // steps × rows of the inner layer = tp · b
    const states = config.skip ? 2 * t + 1 : tp + d; // slots 0..T of d·B rows
    const perDirection = (apart ? 4 : 2) * tp * b * gh + (cellState ? 2 : 1) * states * b * h + 4 * b * h;
    n += dirs * perDirection;
    n += tp * b * (out + width); // the layer's y (own copy when bidirectional) and dx
    if (d > 1) n += tp * b * (width + out) + t * b * (out + width) + 8 * dirs * d * b * h; // permuted x, dy; outer y, dx; states
    if (config.residual) n += 2 * t * b * out;
    if (l < layers - 1 && (config.dropout ?? 0) > 0) n += 3 * t * b * out;
    width = out;
  }
  const rows = config.outputMode === 'every' ? t * b : b;
  n += rows * (config.outputSize + out) + 4 * b * out; // head y and dx; last-step and state buffers
  return n;
}

/** The batch in float64: inputs (T, B, I) and targets, and the loss gradient. */
function batchBytes(config: ModelConfig, { t, b }: RunShape): number {
  const width = config.input.kind === 'tokens' ? 1 : config.input.size;
  const rows = config.outputMode === 'every' ? t * b : b;
  return 8 * (t * b * width + 2 * rows * config.outputSize);
}
