// safetensors, read and written by our own code. The format (Hugging Face's, also what PyTorch's
// `safetensors.torch.save_file` writes):
//
//   [8 bytes] N, the header length, unsigned 64-bit little-endian
//   [N bytes] UTF-8 JSON object: { "<name>": { "dtype": "F32", "shape": [d0, d1, …],
//             "data_offsets": [begin, end] }, …, "__metadata__"?: { "<key>": "<string>" } }
//             (writers pad it with spaces so that the data starts on an 8-byte boundary)
//   [rest]    the data buffer: each tensor's values, row-major, little-endian, at
//             [begin, end) counted from the first byte after the header
//
// A model file is hostile input until proven otherwise (the design's "Hostile input"). The
// reader checks every number in the header against the bytes that are actually there before it
// allocates anything, so the memory it asks for is bounded by the file's size (at most twice the
// data bytes, for F16/BF16 widened to float32). Each check, and the failure it stops:
// - at least 8 bytes; header length ≤ 100 MB (the reference implementation's limit) and inside
//   the file: a length field cannot make us read past the end or allocate a huge string;
// - the header starts with '{', is valid UTF-8 (decoded with fatal errors) and valid JSON;
// - no key appears twice in any object (JSON.parse silently keeps the last one, so two readers
//   could disagree about the file) and no key is __proto__, constructor or prototype (prototype
//   pollution in whatever merges the header later); containers nest at most 3 deep, the most
//   the format needs, checked before JSON.parse builds anything, so no deeply nested value is
//   ever built or walked;
// - each entry has exactly dtype, shape and data_offsets; dtype is F32, F64, F16 or BF16; shape
//   is an array of non-negative safe integers; data_offsets are two safe integers begin ≤ end
//   inside the data buffer; end − begin = product(shape) × dtype size, computed so that a huge
//   shape fails instead of overflowing;
// - sorted by begin, the tensors tile the data buffer exactly: they start at 0, each begins where
//   the previous ends (no gaps, no overlaps: two names must never alias the same bytes) and the
//   last ends at the end of the file (no trailing bytes that nothing describes);
// - __metadata__ is an object whose values are all strings.
// Tensor data is copied out into fresh typed arrays (the data of a tensor may sit at any byte
// offset, so it is never viewed in place), from little-endian on any host.
//
// Error messages say what was expected and what came; values from the file are quoted briefly
// (long strings cut, nested values summarised) so an error cannot itself blow up.

import { RecurError } from '../errors.js';
import { FORBIDDEN_KEYS, brief, scanJsonKeys } from './untrusted-json.js';

export { brief, scanJsonKeys } from './untrusted-json.js';

/** The reference implementation's limit on the header's length. */
export const MAX_HEADER_BYTES = 100_000_000;

export type WriteDType = 'F32' | 'F64';
export type ReadDType = 'F32' | 'F64' | 'F16' | 'BF16';

export interface TensorToWrite {
  name: string;
  dtype: WriteDType;
  shape: readonly number[];
  /** product(shape) values; converted to `dtype` when the array is the other float type. */
  data: Float32Array | Float64Array;
}

export interface DecodedTensor {
  /** The dtype in the file; F16 and BF16 are widened to float32 in `data`. */
  dtype: ReadDType;
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface Decoded {
  /** In file order (by data offset). */
  tensors: Map<string, DecodedTensor>;
  metadata: Record<string, string>;
}

const DTYPE_SIZE: Readonly<Record<ReadDType, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2 };
/** Dtypes of the format that recur does not read (integers, booleans, 8-bit floats). */
const OTHER_DTYPES = new Set(['BOOL', 'U8', 'I8', 'U16', 'I16', 'U32', 'I32', 'U64', 'I64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);
const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'] as const;
const METADATA_KEY = '__metadata__';
/** Top-level object → tensor entry → shape or data_offsets array. */
const MAX_HEADER_DEPTH = 3;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function reject(what: string, expected: string, received: string): never {
  throw new RecurError(`${what}: expected ${expected}, received ${received}`);
}

const tensorWhere = (name: string): string => `safetensors tensor ${brief(name)}`;

// ---------------------------------------------------------------------------------------------
// Writer.

/**
 * Encodes tensors and string metadata as a safetensors file. Tensors are laid out in a stable
 * order (wider dtypes first, so every tensor is aligned to its element size; then by name),
 * contiguous from offset 0; the header is padded with spaces to a multiple of 8 bytes.
 */
export function encodeSafetensors(tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  const seen = new Set<string>();
  const sized: { t: TensorToWrite; n: number; size: number }[] = [];
  for (const t of tensors) {
    if (typeof t.name !== 'string') reject('safetensors tensor name', 'a string', brief(t.name));
    const where = tensorWhere(t.name);
    if (t.name === METADATA_KEY || FORBIDDEN_KEYS.has(t.name)) reject(where, 'a name other than __metadata__, __proto__, constructor and prototype', brief(t.name));
    if (seen.has(t.name)) reject(where, 'each tensor name once', 'it twice');
    seen.add(t.name);
    if (t.dtype !== 'F32' && t.dtype !== 'F64') reject(`${where} dtype`, 'F32 | F64', brief(t.dtype));
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) reject(`${where} shape`, 'an array of whole numbers ≥ 0', brief(t.shape));
    if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) reject(`${where} data`, 'a Float32Array or Float64Array', brief(t.data));
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (t.data.length !== n) reject(`${where} data`, `${n} values (shape [${t.shape.join(', ')}])`, `${t.data.length}`);
    sized.push({ t, n, size: DTYPE_SIZE[t.dtype] });
  }
  sized.sort((a, b) => b.size - a.size || (a.t.name < b.t.name ? -1 : a.t.name > b.t.name ? 1 : 0));

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) reject('safetensors metadata', 'an object of strings', brief(metadata));
    const entries: string[] = [];
    for (const [k, v] of Object.entries(metadata)) {
      if (FORBIDDEN_KEYS.has(k)) reject('safetensors metadata', 'no key named __proto__, constructor or prototype', brief(k));
      if (typeof v !== 'string') reject(`safetensors metadata ${brief(k)}`, 'a string', brief(v));
      entries.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${entries.join(',')}}`);
  }
  let offset = 0;
  for (const { t, n, size } of sized) {
    const end = offset + n * size;
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  if (headerLen > MAX_HEADER_BYTES) reject('safetensors header', `at most ${MAX_HEADER_BYTES} bytes`, `${headerLen} bytes`);
  const dataStart = 8 + headerLen;
  let out: Uint8Array;
  try {
    out = new Uint8Array(dataStart + offset);
  } catch {
    return reject('safetensors file', 'a size this process can allocate', `${dataStart + offset} bytes`);
  }
  const dv = new DataView(out.buffer);
  dv.setUint32(0, headerLen, true);
  dv.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, dataStart);

  let pos = dataStart;
  for (const { t, n, size } of sized) {
    writeValues(out, dv, pos, t.dtype, t.data, n);
    pos += n * size;
  }
  return out;
}

/** Writes n values of src as little-endian `dtype` into out at byte pos. */
function writeValues(out: Uint8Array, dv: DataView, pos: number, dtype: WriteDType, src: Float32Array | Float64Array, n: number): void {
  if (n === 0) return;
  if (LITTLE_ENDIAN_HOST) {
    const same = dtype === 'F32' ? src instanceof Float32Array : src instanceof Float64Array;
    const typed = same ? src : dtype === 'F32' ? new Float32Array(src) : new Float64Array(src);
    out.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), pos);
    return;
  }
  if (dtype === 'F32') for (let i = 0; i < n; i++) dv.setFloat32(pos + 4 * i, src[i], true);
  else for (let i = 0; i < n; i++) dv.setFloat64(pos + 8 * i, src[i], true);
}

// ---------------------------------------------------------------------------------------------
// Reader.

/** One tensor as the header describes it, checked against the file. */
export interface TensorInfo {
  name: string;
  dtype: ReadDType;
  shape: number[];
  /** Number of values, product(shape). */
  n: number;
  /** Byte range in the data buffer. */
  begin: number;
  end: number;
}

/** A checked header: everything but the values. */
export interface SafetensorsHeader {
  /** In file order (by data offset). */
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  /** Byte offset of the data buffer in the file. */
  dataStart: number;
}

/** Decodes a safetensors file; throws a RecurError naming the first problem found. */
export function decodeSafetensors(bytes: Uint8Array): Decoded {
  const header = inspectSafetensors(bytes);
  const tensors = new Map<string, DecodedTensor>();
  for (const info of header.tensors.values()) {
    tensors.set(info.name, { dtype: info.dtype, shape: info.shape, data: readTensor(bytes, header, info) });
  }
  return { tensors, metadata: header.metadata };
}

/**
 * Reads and checks the header and the layout of the data (every check in the file header of this
 * module) without touching the values: nothing is allocated for tensors yet, so a caller can look
 * at the metadata first and then read the tensors it wants one at a time with readTensor.
 */
export function inspectSafetensors(bytes: Uint8Array): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) reject('safetensors file', 'bytes (a Uint8Array)', brief(bytes));
  return inspectSafetensorsPrefix(bytes, bytes.length);
}

/**
 * As inspectSafetensors, from the file's first bytes (at least the length field and the header)
 * and its size: every check against the data's size runs before the data is read
 * (node/read-limited.ts reads a file this way).
 */
export function inspectSafetensorsPrefix(bytes: Uint8Array, fileSize: number): SafetensorsHeader {
  if (fileSize < 8 || bytes.length < 8) reject('safetensors file', 'at least 8 bytes (the header length)', `${fileSize} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true), hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER_BYTES) reject('safetensors header length', `at most ${MAX_HEADER_BYTES} bytes`, `${dv.getBigUint64(0, true)}`);
  const headerLen = lo;
  if (headerLen > fileSize - 8) reject('safetensors header length', `at most the ${fileSize - 8} bytes after the length field`, `${headerLen}`);
  if (headerLen > bytes.length - 8) reject('safetensors header', `all ${headerLen} bytes of it`, `the first ${bytes.length - 8}`);
  if (headerLen === 0 || bytes[8] !== 0x7b) reject('safetensors header', "a JSON object starting with '{'", headerLen === 0 ? 'an empty header' : `byte 0x${bytes[8].toString(16).padStart(2, '0')}`);

  let text: string;
  try {
    let raw = bytes.subarray(8, 8 + headerLen);
    if (!(raw.buffer instanceof ArrayBuffer)) raw = new Uint8Array(raw); // TextDecoder refuses shared memory
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    return reject('safetensors header', 'valid UTF-8', 'invalid byte sequences');
  }
  // keys and depth first: a deeply nested header is refused before JSON.parse builds it
  scanJsonKeys(text, 'safetensors header', MAX_HEADER_DEPTH);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return reject('safetensors header', 'valid JSON', `a syntax error (${e instanceof Error ? e.message.replace(/\s+/g, ' ').slice(0, 100) : 'unknown'})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) reject('safetensors header', 'a JSON object', brief(header));

  const dataStart = 8 + headerLen;
  const dataLen = fileSize - dataStart;
  const fields = header as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  const entries: TensorInfo[] = [];
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    if (name === METADATA_KEY) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) reject('safetensors __metadata__', 'an object of strings', brief(value));
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') reject(`safetensors __metadata__ ${brief(k)}`, 'a string', brief(v));
        metadata[k] = v;
      }
      continue;
    }
    entries.push(checkEntry(name, value, dataLen));
  }

  // The tensors must tile [0, dataLen) exactly.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: TensorInfo | null = null;
  for (const e of entries) {
    if (e.begin < at) reject(`${tensorWhere(e.name)} data_offsets`, `data starting at byte ${at}, where ${brief(prev!.name)} ends`, `[${e.begin}, ${e.end}], which overlaps ${brief(prev!.name)} [${prev!.begin}, ${prev!.end}]`);
    if (e.begin > at) reject(`${tensorWhere(e.name)} data_offsets`, `data starting at byte ${at}${prev ? `, where ${brief(prev.name)} ends` : ''} (tensors are contiguous from 0)`, `[${e.begin}, ${e.end}], leaving a gap`);
    at = e.end;
    prev = e;
  }
  if (at !== dataLen) reject('safetensors file', `the data to end with the last tensor at byte ${at} of the data buffer`, `${dataLen - at} trailing bytes`);

  const tensors = new Map<string, TensorInfo>();
  for (const e of entries) tensors.set(e.name, e);
  return { tensors, metadata, dataStart };
}

/**
 * Copies one tensor's values out of the file into a new typed array (float32 for F32, F16 and
 * BF16; float64 for F64). `header` must come from inspectSafetensors on the same bytes.
 */
export function readTensor(bytes: Uint8Array, header: SafetensorsHeader, info: TensorInfo): Float32Array | Float64Array {
  const pos = header.dataStart + info.begin;
  if (header.tensors.get(info.name) !== info || header.dataStart + info.end > bytes.length) {
    reject(`${tensorWhere(info.name)}`, 'a tensor of this header, read from the same bytes', 'something else');
  }
  return readValues(bytes, pos, info.dtype, info.n);
}

function checkEntry(name: string, value: unknown, dataLen: number): TensorInfo {
  const where = tensorWhere(name);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) reject(where, 'an object { dtype, shape, data_offsets }', brief(value));
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(ENTRY_KEYS as readonly string[]).includes(k)) reject(where, 'only the fields dtype, shape and data_offsets', `the field ${brief(k)}`);
  for (const k of ENTRY_KEYS) if (!(k in o)) reject(where, `the field ${k}`, 'none');

  const dt = o.dtype;
  if (typeof dt !== 'string' || !Object.hasOwn(DTYPE_SIZE, dt)) {
    const known = typeof dt === 'string' && OTHER_DTYPES.has(dt);
    reject(`${where} dtype`, 'F32 | F64 | F16 | BF16', `${brief(dt)}${known ? ' (a safetensors dtype recur does not read)' : ''}`);
  }
  const dtype = dt as ReadDType;
  const size = DTYPE_SIZE[dtype];

  const s = o.shape;
  if (!Array.isArray(s)) reject(`${where} shape`, 'an array of whole numbers ≥ 0', brief(s));
  const shape: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const d = s[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) reject(`${where} shape[${i}]`, 'a whole number in [0, 2^53 − 1]', brief(d));
    shape.push(d + 0); // -0 → 0
  }

  const off = o.data_offsets;
  if (!Array.isArray(off) || off.length !== 2) reject(`${where} data_offsets`, '[begin, end]', brief(off));
  const [begin, end] = off as unknown[];
  for (const [label, v] of [['begin', begin], ['end', end]] as const) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) reject(`${where} data_offsets ${label}`, 'a whole number in [0, 2^53 − 1]', brief(v));
  }
  const b = (begin as number) + 0, e = (end as number) + 0;
  if (b > e) reject(`${where} data_offsets`, 'begin ≤ end', `[${b}, ${e}]`);
  if (e > dataLen) reject(`${where} data_offsets`, `an end within the ${dataLen} bytes of data`, `[${b}, ${e}], past the end of the file`);

  // product(shape), stopping as soon as it exceeds what the data buffer could hold
  let n = shape.includes(0) ? 0 : 1;
  if (n !== 0) {
    for (const d of shape) {
      n *= d;
      if (n * size > dataLen) reject(`${where} shape`, `a ${dtype} tensor that fits in the file's ${dataLen} bytes of data`, `${brief(shape)} (more than ${dataLen} bytes)`);
    }
  }
  const shapeText = brief(shape);
  if (e - b !== n * size) reject(`${where} data_offsets`, `${n * size} bytes (shape ${shapeText}: ${n} values × ${size} bytes of ${dtype})`, `[${b}, ${e}] (${e - b} bytes)`);
  return { name, dtype, shape, n, begin: b, end: e };
}

/** Copies n little-endian values of `dtype` starting at byte pos into a new typed array. */
function readValues(bytes: Uint8Array, pos: number, dtype: ReadDType, n: number): Float32Array | Float64Array {
  switch (dtype) {
    case 'F32':
    case 'F64': {
      const out = dtype === 'F32' ? new Float32Array(n) : new Float64Array(n);
      if (LITTLE_ENDIAN_HOST) {
        new Uint8Array(out.buffer).set(bytes.subarray(pos, pos + out.byteLength));
      } else {
        const dv = new DataView(bytes.buffer, bytes.byteOffset + pos, out.byteLength);
        if (dtype === 'F32') for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
        else for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
      }
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(bytes[pos + 2 * i] | (bytes[pos + 2 * i + 1] << 8));
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32's bits
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = ((bytes[pos + 2 * i] | (bytes[pos + 2 * i + 1] << 8)) << 16) >>> 0;
      return out;
    }
  }
}

/** IEEE 754 binary16 bits → number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
