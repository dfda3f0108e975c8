// ONNX export of a Sequential model: the graph ONNX's own RNN / LSTM / GRU operators run, float32,
// opset 17, layout 0 (time-major, recur's (T, B, F) layout).
//
//   input (T, B, I) float32               features; or (T, B) int64 token ids → Gather(embed.weight)
//   per layer l:  RNN|LSTM|GRU(X, W, R, B) → Y (T, D, B, H), Y_h (D, B, H)
//                 Transpose(0, 2, 1, 3) + Reshape(0, 0, D·H) → (T, B, D·H), the next layer's X
//   head          outputMode 'every': MatMul(Y, head.weightᵀ) + head.bias → output (T, B, O)
//                 outputMode 'last':  Y_h of the top layer, Transpose(1, 0, 2) + Reshape(1, −1, D·H)
//                                     → (1, B, D·H), then the same MatMul + Add → output (1, B, O)
//
// ONNX's conventions differ from PyTorch's (and so recur's) in gate order and bias layout:
//   W (D, G·H, in), R (D, G·H, H), B (D, 2·G·H) = [W_b | R_b], each direction stacked on axis 0,
//   LSTM blocks i o f c (PyTorch i f g o), GRU blocks z r h (PyTorch r z n). GRU needs
//   linear_before_reset = 1: PyTorch (and recur) apply the reset gate to W_hn h + b_hn, ONNX's
//   default applies it to h before the product. The RNN activation is ONNX's Tanh, Relu, Sigmoid
//   or LeakyRelu (with activation_alpha = leak), one entry per direction.
//
// Left out: dropout (identity at inference); the optional sequence_lens input, so every row runs
// all T steps; to run padded rows, feed each length's rows separately (a row's outputs do not
// depend on other rows). The initial states are zeros, as in recur's forward without `state`.
// Weights go out as float32 whatever the model's dtype.
//
// Refused (onnxExportProblems): anything beyond plain stacked layers, such as skip connections,
// dilations or residual connections, and any config field this exporter does not know.

import type { CellSpec } from '../cells/cell.js';
import { CELLS, cellActivation, type CellKind } from '../cells/table.js';
import { RecurError } from '../errors.js';
import type { Activation } from '../kernels/types.js';
import type { ModelConfig } from './config.js';
import { ONNX_FLOAT, ONNX_INT64, encodeOnnxModel, type OnnxAttribute, type OnnxGraph, type OnnxNode } from './onnx-proto.js';
import type { Sequential } from './sequential.js';

export const ONNX_OPSET = 17;
/** IR version 8 is the one that goes with opset 17 (onnx 1.12). */
const ONNX_IR_VERSION = 8;

/** The config fields of a plain RNN/LSTM/GRU model: all the exporter knows how to translate. */
const PLAIN_FIELDS = ['input', 'cell', 'activation', 'leak', 'hiddenSize', 'numLayers', 'bidirectional', 'dropout', 'outputMode', 'outputSize', 'init', 'dtype'];

/** Features ONNX export refuses, by config field, and why. */
const REFUSED_FIELDS: Record<string, string> = {
  skip: 'Skip RNN layers have no ONNX operator (whether a step updates the state is decided at run time)',
  dilations: 'dilated recurrent layers have no ONNX operator (the exporter writes one plain RNN/LSTM/GRU node per layer)',
  residual: 'residual connections between recurrent layers are not exported (the exporter writes plain stacked layers)',
};

const PLAIN = 'expected a model of plain RNN/LSTM/GRU layers';

const ONNX_ACTIVATION: Record<Activation, string> = { tanh: 'Tanh', relu: 'Relu', sigmoid: 'Sigmoid', leaky_relu: 'LeakyRelu' };

/** The cell's ONNX operator and gate order (LSTM i f g o → i o f c, GRU r z n → z r h), from its description; null when it has none. */
function onnxOf(cell: unknown): NonNullable<CellSpec['onnx']> | null {
  return typeof cell === 'string' && Object.prototype.hasOwnProperty.call(CELLS, cell) ? CELLS[cell as CellKind].onnx : null;
}

/** Off values of a feature field: absent, false, empty, or dilations all 1 (a plain layer). */
function isOff(v: unknown): boolean {
  return v === undefined || v === null || v === false || (Array.isArray(v) && v.every((x) => x === 1));
}

/** Why `config` cannot be exported to ONNX, one message per problem; empty when it can. */
export function onnxExportProblems(config: ModelConfig): string[] {
  const problems: string[] = [];
  const fields = config as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    if (REFUSED_FIELDS[key] !== undefined) {
      if (!isOff(value)) problems.push(`ONNX export: ${REFUSED_FIELDS[key]}; ${PLAIN}`);
    } else if (!PLAIN_FIELDS.includes(key) && value !== undefined) {
      problems.push(`ONNX export: the model config field "${key}" is not one the exporter knows (it knows ${PLAIN_FIELDS.join(', ')}); ${PLAIN}`);
    }
  }
  const onnx = onnxOf(config.cell);
  if (!onnx) problems.push(`ONNX export: cell "${String(config.cell)}" has no ONNX operator; ${PLAIN}`);
  const act = onnx ? cellActivation(config.cell, config.activation) : undefined;
  if (act !== undefined && !(act in ONNX_ACTIVATION)) problems.push(`ONNX export: ${onnx!.op} activation "${String(act)}" has no ONNX equivalent; expected one of ${Object.keys(ONNX_ACTIVATION).join(', ')}`);
  return problems;
}

/** Throws a RecurError listing every problem when the model cannot be exported. */
export function checkOnnxExportable(config: ModelConfig): void {
  const problems = onnxExportProblems(config);
  if (problems.length) throw new RecurError(problems.join('; '));
}

/** Names and shapes of the exported graph's input and output, for users and the CLI. */
export interface OnnxSignature {
  input: { name: string; type: 'float32' | 'int64'; shape: (number | string)[] };
  output: { name: string; type: 'float32'; shape: (number | string)[] };
}

export function onnxSignature(config: ModelConfig): OnnxSignature {
  const tokens = config.input.kind === 'tokens';
  return {
    input: { name: 'input', type: tokens ? 'int64' : 'float32', shape: config.input.kind === 'tokens' ? ['T', 'B'] : ['T', 'B', config.input.size] },
    output: { name: 'output', type: 'float32', shape: [config.outputMode === 'last' ? 1 : 'T', 'B', config.outputSize] },
  };
}

/** The model as an ONNX ModelProto (the bytes of a .onnx file). */
export function modelToOnnx(model: Sequential): Uint8Array {
  const config = model.config;
  checkOnnxExportable(config);
  const sig = onnxSignature(config);
  const graph: OnnxGraph = {
    name: 'recur', doc: graphDoc(config), nodes: [], initializers: [],
    inputs: [{ name: sig.input.name, elemType: sig.input.type === 'int64' ? ONNX_INT64 : ONNX_FLOAT, shape: sig.input.shape }],
    outputs: [{ name: sig.output.name, elemType: ONNX_FLOAT, shape: sig.output.shape }],
  };
  const floats = (name: string, dims: number[], values: ArrayLike<number>): string => {
    graph.initializers.push({ name, dims, values: Float32Array.from(values) });
    return name;
  };
  const int64s = (name: string, values: number[]): string => {
    graph.initializers.push({ name, dims: [values.length], values: BigInt64Array.from(values, (v) => BigInt(v)) });
    return name;
  };
  const node = (op: string, name: string, inputs: string[], outputs: string[], attributes?: OnnxAttribute[]): void => {
    graph.nodes.push({ op, name, inputs, outputs, attributes } satisfies OnnxNode);
  };

  let x = sig.input.name;
  if (model.embedding) {
    const w = model.embedding.weight;
    node('Gather', 'embed', [floats(w.name, [...w.shape], w.value), x], ['embed.out'], [{ name: 'axis', int: 0 }]);
    x = 'embed.out';
  }

  const stack = model.rnn;
  const h = stack.hiddenSize, d = stack.directions, g = stack.cell.gates;
  const onnx = onnxOf(config.cell)!;
  const perm = [...onnx.order];
  const rnnAttrs: OnnxAttribute[] = [
    { name: 'hidden_size', int: h },
    { name: 'direction', string: d === 2 ? 'bidirectional' : 'forward' },
    { name: 'layout', int: 0 },
  ];
  if (onnx.linearBeforeReset) rnnAttrs.push({ name: 'linear_before_reset', int: 1 });
  const act = cellActivation(config.cell, config.activation);
  if (act !== undefined) {
    rnnAttrs.push({ name: 'activations', strings: Array(d).fill(ONNX_ACTIVATION[act]) });
    if (act === 'leaky_relu') rnnAttrs.push({ name: 'activation_alpha', floats: Array(d).fill(config.leak ?? 0.01) });
  }
  for (let l = 0; l < stack.numLayers; l++) {
    const inW = stack.layers[l].inputSize;
    const dirs = d === 2 ? ['', '_reverse'] : [''];
    const p = (kind: string, sfx: string): ArrayLike<number> => model.param(`rnn.${kind}_l${l}${sfx}`).value;
    const W = new Float32Array(d * g * h * inW), R = new Float32Array(d * g * h * h), B = new Float32Array(d * 2 * g * h);
    dirs.forEach((sfx, dir) => {
      reorderGates(p('weight_ih', sfx), perm, h, inW, W, dir * g * h * inW);
      reorderGates(p('weight_hh', sfx), perm, h, h, R, dir * g * h * h);
      reorderGates(p('bias_ih', sfx), perm, h, 1, B, dir * 2 * g * h);
      reorderGates(p('bias_hh', sfx), perm, h, 1, B, dir * 2 * g * h + g * h);
    });
    const last = l === stack.numLayers - 1;
    const name = `rnn.l${l}`;
    const inputs = [x, floats(`${name}.W`, [d, g * h, inW], W), floats(`${name}.R`, [d, g * h, h], R), floats(`${name}.B`, [d, 2 * g * h], B)];
    if (last && config.outputMode === 'last') {
      node(onnx.op, name, inputs, ['', `${name}.Y_h`], rnnAttrs);
      node('Transpose', `${name}.batch_first`, [`${name}.Y_h`], [`${name}.Y_h.bdh`], [{ name: 'perm', ints: [1, 0, 2] }]);
      node('Reshape', `${name}.last`, [`${name}.Y_h.bdh`, int64s('shape.last_step', [1, -1, d * h])], [`${name}.out`]);
    } else {
      node(onnx.op, name, inputs, [`${name}.Y`], rnnAttrs);
      node('Transpose', `${name}.time_batch`, [`${name}.Y`], [`${name}.Y.tbdh`], [{ name: 'perm', ints: [0, 2, 1, 3] }]);
      // the shape constant goes in once, with the first layer that reaches this branch (layer 0)
      const flatten = l === 0 ? int64s('shape.concat_directions', [0, 0, d * h]) : 'shape.concat_directions';
      node('Reshape', `${name}.concat_directions`, [`${name}.Y.tbdh`, flatten], [`${name}.out`]);
    }
    x = `${name}.out`;
  }

  const head = model.head;
  const wT = new Float32Array(head.inFeatures * head.outFeatures);
  for (let o = 0; o < head.outFeatures; o++) {
    for (let i = 0; i < head.inFeatures; i++) wT[i * head.outFeatures + o] = head.weight.value[o * head.inFeatures + i];
  }
  node('MatMul', 'head.matmul', [x, floats('head.weight_transposed', [head.inFeatures, head.outFeatures], wT)], ['head.xw']);
  node('Add', 'head.add', ['head.xw', floats(head.bias.name, [head.outFeatures], head.bias.value)], [sig.output.name]);

  return encodeOnnxModel({
    irVersion: ONNX_IR_VERSION, opset: ONNX_OPSET, producer: 'recur', producerVersion: '0.1.0',
    doc: 'A recur model exported to ONNX', metadata: { 'recur.config': JSON.stringify(config) }, graph,
  });
}

/**
 * Copies the G gate blocks of `src` (G·H rows of `cols` values, PyTorch order) into `out` at
 * `offset`, ONNX block k taken from PyTorch block perm[k].
 */
function reorderGates(src: ArrayLike<number>, perm: number[], h: number, cols: number, out: Float32Array, offset: number): void {
  const block = h * cols;
  perm.forEach((from, k) => {
    for (let i = 0; i < block; i++) out[offset + k * block + i] = src[from * block + i];
  });
}

function graphDoc(c: ModelConfig): string {
  const sig = onnxSignature(c);
  const dims = (s: (number | string)[]): string => `(${s.join(', ')})`;
  return `${c.cell.toUpperCase()} × ${c.numLayers ?? 1}${c.bidirectional ? ' bidirectional' : ''}, hidden ${c.hiddenSize}; `
    + `input "${sig.input.name}" ${sig.input.type} ${dims(sig.input.shape)} time-major; output "${sig.output.name}" ${dims(sig.output.shape)}`;
}
