// The ONNX messages export needs, as protobuf (protobuf.ts), with field numbers from onnx.proto:
//   ModelProto          ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7,
//                       opset_import 8, metadata_props 14
//   OperatorSetIdProto  domain 1, version 2
//   StringStringEntry   key 1, value 2
//   GraphProto          node 1, name 2, initializer 5, doc_string 10, input 11, output 12
//   NodeProto           input 1, output 2, name 3, op_type 4, attribute 5
//   AttributeProto      name 1, f 2, i 3, s 4, floats 7, ints 8, strings 9, type 20
//   TensorProto         dims 1, data_type 2, name 8, raw_data 9 (little-endian, row-major)
//   ValueInfoProto      name 1, type 2
//   TypeProto           tensor_type 1 → Tensor: elem_type 1, shape 2
//   TensorShapeProto    dim 1 → Dimension: dim_value 1 | dim_param 2 (a symbolic size)

import { ProtoWriter } from './protobuf.js';

/** TensorProto.DataType values. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

/** AttributeProto.AttributeType values. */
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3, ATTR_FLOATS = 6, ATTR_INTS = 7, ATTR_STRINGS = 8;

export type OnnxAttribute =
  | { name: string; int: number }
  | { name: string; string: string }
  | { name: string; float: number }
  | { name: string; ints: number[] }
  | { name: string; floats: number[] }
  | { name: string; strings: string[] };

export interface OnnxNode {
  op: string;
  name: string;
  /** '' marks an optional input or output left out. */
  inputs: string[];
  outputs: string[];
  attributes?: OnnxAttribute[];
}

/** A dimension: a fixed size or a symbolic name ("T", "B"). */
export type OnnxDim = number | string;

export interface OnnxValueInfo { name: string; elemType: number; shape: OnnxDim[] }

export interface OnnxGraph {
  name: string;
  doc: string;
  nodes: OnnxNode[];
  /** Constant tensors: float32 or int64 values, row-major. */
  initializers: { name: string; dims: number[]; values: Float32Array | BigInt64Array }[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opset: number;
  producer: string;
  producerVersion: string;
  doc: string;
  metadata: Record<string, string>;
  graph: OnnxGraph;
}

export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter()
    .varint(1, m.irVersion)
    .string(2, m.producer)
    .string(3, m.producerVersion)
    .string(6, m.doc)
    .message(7, graphProto(m.graph))
    .message(8, new ProtoWriter().string(1, '').varint(2, m.opset));
  for (const [k, v] of Object.entries(m.metadata)) w.message(14, new ProtoWriter().string(1, k).string(2, v));
  return w.finish();
}

function graphProto(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, nodeProto(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, tensorProto(t.name, t.dims, t.values));
  w.string(10, g.doc);
  for (const v of g.inputs) w.message(11, valueInfoProto(v));
  for (const v of g.outputs) w.message(12, valueInfoProto(v));
  return w;
}

function nodeProto(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.op);
  for (const a of n.attributes ?? []) w.message(5, attributeProto(a));
  return w;
}

function attributeProto(a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);
  if ('int' in a) w.varint(20, ATTR_INT).varint(3, a.int);
  else if ('float' in a) w.varint(20, ATTR_FLOAT).float(2, a.float);
  else if ('string' in a) w.varint(20, ATTR_STRING).string(4, a.string);
  else if ('ints' in a) { w.varint(20, ATTR_INTS); for (const v of a.ints) w.varint(8, v); }
  else if ('floats' in a) { w.varint(20, ATTR_FLOATS); for (const v of a.floats) w.float(7, v); }
  else { w.varint(20, ATTR_STRINGS); for (const v of a.strings) w.string(9, v); }
  return w;
}

function tensorProto(name: string, dims: number[], values: Float32Array | BigInt64Array): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of dims) w.varint(1, d);
  w.varint(2, values instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64).string(8, name);
  // raw_data must be little-endian; typed arrays use the platform's order, so write through a DataView
  const bytes = new Uint8Array(values.length * (values instanceof Float32Array ? 4 : 8));
  const view = new DataView(bytes.buffer);
  if (values instanceof Float32Array) values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  else values.forEach((v, i) => view.setBigInt64(8 * i, v, true));
  return w.bytes(9, bytes);
}

function valueInfoProto(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  const tensor = new ProtoWriter().varint(1, v.elemType).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensor));
}
