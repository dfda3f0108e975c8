// The IDX format of LeCun's MNIST files (and Fashion-MNIST's), read from bytes in memory. Reading
// and gunzipping files is the Node side's (node/datasets.ts).
//
// Layout (all integers big-endian):
//   bytes 0, 1   zero
//   byte  2      element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   byte  3      number of dimensions n (≥ 1)
//   4 … 4+4n     the n dimension sizes, uint32 each
//   then         the elements, row-major, product(dims) × element size bytes, and nothing after
// MNIST's image files are uint8 (N, 28, 28); its label files uint8 (N).

import { RecurError } from '../errors.js';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'uint8', size: 1 }, 0x09: { type: 'int8', size: 1 }, 0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 }, 0x0d: { type: 'float32', size: 4 }, 0x0e: { type: 'float64', size: 8 },
};

export interface IdxArray {
  type: IdxType;
  dims: number[];
  /** The elements, row-major: a Uint8Array view of the input for uint8, else a fresh array. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Parses an IDX file's bytes; a RecurError says what was expected where the bytes differ. */
export function parseIdx(bytes: Uint8Array, what = 'IDX file'): IdxArray {
  const bad = (expected: string, received: string): never => { throw new RecurError(`${what}: expected ${expected}, received ${received}`); };
  if (bytes.length < 4) bad('an IDX header of at least 4 bytes', `${bytes.length} bytes`);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bad('uncompressed IDX bytes', 'gzip data (gunzip it first)');
  if (bytes[0] !== 0 || bytes[1] !== 0) bad('an IDX magic number starting with two zero bytes', `0x${hex(bytes[0])} 0x${hex(bytes[1])}`);
  const t = TYPES[bytes[2]];
  if (!t) bad('an element type of 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E', `0x${hex(bytes[2])}`);
  const n = bytes[3];
  if (n < 1) bad('at least 1 dimension', '0');
  const header = 4 + 4 * n;
  if (bytes.length < header) bad(`a header of ${header} bytes for ${n} dimensions`, `${bytes.length} bytes in all`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let k = 0; k < n; k++) {
    const d = view.getUint32(4 + 4 * k, false);
    dims.push(d);
    count *= d;
  }
  const body = bytes.length - header;
  if (count * t.size !== body) {
    bad(`${count * t.size} bytes of ${t.type} data for dimensions ${dims.join(' × ')}`, `${body} bytes after the header`);
  }
  return { type: t.type, dims, data: elements(view, header, count, t.type, bytes) };
}

function elements(view: DataView, off: number, count: number, type: IdxType, bytes: Uint8Array): IdxArray['data'] {
  switch (type) {
    case 'uint8': return bytes.subarray(off, off + count);
    case 'int8': return new Int8Array(bytes.buffer, bytes.byteOffset + off, count).slice();
    case 'int16': { const a = new Int16Array(count); for (let i = 0; i < count; i++) a[i] = view.getInt16(off + 2 * i, false); return a; }
    case 'int32': { const a = new Int32Array(count); for (let i = 0; i < count; i++) a[i] = view.getInt32(off + 4 * i, false); return a; }
    case 'float32': { const a = new Float32Array(count); for (let i = 0; i < count; i++) a[i] = view.getFloat32(off + 4 * i, false); return a; }
    case 'float64': { const a = new Float64Array(count); for (let i = 0; i < count; i++) a[i] = view.getFloat64(off + 8 * i, false); return a; }
  }
}

function hex(b: number | undefined): string {
  return (b ?? 0).toString(16).toUpperCase().padStart(2, '0');
}

/** The bytes of an IDX file holding `data` (uint8) with these dimensions: for fixtures and tests. */
export function idxBytes(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
