// The checkpoints' SHA-256 (src/train/sha256.ts, plain TypeScript so that the core runs in a
// browser) against node:crypto: the FIPS 180-4 examples, every length around the padding
// boundaries, long inputs, strings (as UTF-8, astral characters included) and updates split at
// awkward places.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Rng } from '../src/tensor/rng.js';
import { Sha256 } from '../src/train/sha256.js';

const node = (parts: (Uint8Array | string)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
const ours = (parts: (Uint8Array | string)[]): string => {
  const h = new Sha256();
  for (const p of parts) h.update(p);
  return h.digestHex();
};

function bytes(n: number, seed: number): Uint8Array {
  const r = new Rng(seed);
  return Uint8Array.from({ length: n }, () => r.int(256));
}

test('sha256: the FIPS 180-4 examples', () => {
  assert.equal(ours(['abc']), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(ours(['']), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(ours(['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq']), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
});

test('sha256 equals node:crypto on every length from 0 to 200 and on long inputs', () => {
  for (let n = 0; n <= 200; n++) {
    const b = bytes(n, n + 1);
    assert.equal(ours([b]), node([b]), `length ${n}`);
  }
  for (const n of [1000, 4096, 65537, 1 << 20]) {
    const b = bytes(n, n);
    assert.equal(ours([b]), node([b]), `length ${n}`);
  }
});

test('sha256 equals node:crypto on strings (UTF-8) and on updates split anywhere', () => {
  const text = 'm\0recur.config\0{"cell":"lstm"}\0 héllo 𝄞 漢字 \u{1F600}';
  assert.equal(ours([text]), node([text]));
  const b = bytes(300, 7);
  for (const cut of [[0], [1], [55, 56], [63, 64, 65], [10, 100, 200, 299]]) {
    const parts: Uint8Array[] = [];
    let at = 0;
    for (const c of cut) { parts.push(b.subarray(at, c)); at = c; }
    parts.push(b.subarray(at));
    assert.equal(ours(parts), node([b]), `cut at ${cut.join(',')}`);
  }
  const mixed = ['t\0', bytes(70, 3), 'model/rnn.weight_ih_l0\0F32\0', bytes(129, 4), ''];
  assert.equal(ours(mixed), node(mixed));
  const h = new Sha256().update('abc');
  assert.equal(h.digestHex(), h.digestHex(), 'a digest can be read twice');
  assert.throws(() => h.update('more'), /expected update before digestHex/);
});
