// A protobuf writer, just enough for ONNX files (onnx-proto.ts): varints, fixed32 floats and
// length-delimited fields (strings, bytes, nested messages).
//
// Wire format (protobuf encoding spec): every field is a key varint (field number << 3 | wire
// type) followed by its value. Wire types used here: 0 varint, 2 length-delimited (a varint byte
// count, then the bytes), 5 fixed32 (4 bytes little-endian). Varints are little-endian base 128:
// 7 bits a byte, the high bit set on every byte but the last. A negative int64 is its two's
// complement, so it takes 10 bytes. Repeated scalars are written one field each (unpacked), as
// ONNX's proto2 schema declares them; parsers accept that form for every repeated scalar. Messages are written bottom up: a nested message is finished
// into bytes first, then its length is known and it goes into its parent as a type-2 field.

import { RecurError } from '../errors.js';

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

export class ProtoWriter {
  private parts: Uint8Array[] = [];
  private size = 0;
  /** Scratch for varints and keys (a varint is at most 10 bytes). */
  private readonly scratch = new Uint8Array(10);

  get byteLength(): number {
    return this.size;
  }

  /** An int32/int64/enum/bool field (wire type 0). */
  varint(field: number, value: number | bigint): this {
    this.key(field, WIRE_VARINT);
    this.rawVarint(value);
    return this;
  }

  /** A float field (wire type 5). */
  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** A string field, UTF-8 (wire type 2). */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A bytes field (wire type 2). */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.rawVarint(value.length);
    this.push(value);
    return this;
  }

  /** A nested message (wire type 2). */
  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const p of this.parts) { out.set(p, off); off += p.length; }
    return out;
  }

  private key(field: number, wire: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new RecurError(`protobuf field number: expected a whole number in [1, 2^29), received ${field}`);
    this.rawVarint(field * 8 + wire);
  }

  private rawVarint(value: number | bigint): void {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RecurError(`protobuf varint: expected a safe whole number, received ${value}`);
    // two's complement over 64 bits: a negative int64 becomes a large unsigned one
    let v = BigInt.asUintN(64, BigInt(value));
    let n = 0;
    while (v >= 0x80n) {
      this.scratch[n++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.scratch[n++] = Number(v);
    this.push(this.scratch.slice(0, n));
  }

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
}
