// Single-precision gemm: C = alpha · op(A) · op(B) + beta · C, row-major, leading dimensions in
// elements. GotoBLAS structure: B is packed in (KC × NC) blocks of NR-wide strips, A in (MC × KC)
// blocks of MR-high strips (packing absorbs both transposes), and a register-blocked MR × NR
// micro-kernel runs over the packed strips.
//
// Summation order, which makes threaded results bit-identical to single-threaded ones: the value
// of C[i, j] is a chain of multiply-adds over p = 0..k−1 in order, restarted for each KC block of
// k, with C = beta·C + alpha·acc after the first block and C = C + alpha·acc after each later
// one. Nothing depends on where (i, j) sits in a tile or in a thread's share of C: edge tiles run
// the same micro-kernel on a padded copy. With a bias row (gemmPackedBias), the first block gives
// C = alpha·acc + bias[j] instead: the bits of filling C with the bias rows and calling gemm with
// beta = 1, without the pass that writes C and the one that reads it back.
//
// Workspace (per caller, 16-byte aligned): packed A (MC·KC floats), packed B (KC·NC floats), one
// MR × NR edge tile and one NR-wide bias row for it.

import { madd } from './math';
import { fillRows } from './pointwise';

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 64;
const NC: i32 = 512;

export function gemmWorkspaceBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR + NR) * 4;
}

/**
 * The 4 × 8 micro-kernel: 8 f32x4 accumulators (more spill in V8). pa holds kc columns of 4
 * values, pb kc rows of 8. C = alpha·acc + beta·C, or alpha·acc + bias when bias ≠ 0 (8 values,
 * the same for the 4 rows). Kept a separate function (two call sites, so not inlined) so that V8
 * tiers it up on its own during the first large call.
 */
function kernel4x8(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, alpha: f32, beta: f32, bias: usize): void {
  let c00 = f32x4.splat(0.0), c01 = f32x4.splat(0.0);
  let c10 = f32x4.splat(0.0), c11 = f32x4.splat(0.0);
  let c20 = f32x4.splat(0.0), c21 = f32x4.splat(0.0);
  let c30 = f32x4.splat(0.0), c31 = f32x4.splat(0.0);
  const end = pb + (<usize>kc << 5);
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  const va = f32x4.splat(alpha);
  if (bias != 0) {
    // alpha·acc + bias: the bits of beta = 1 over C filled with the bias (1·C is exact).
    const v0 = v128.load(bias), v1 = v128.load(bias, 16);
    v128.store(c, madd(va, c00, v0));
    v128.store(c, madd(va, c01, v1), 16);
    c += ldc;
    v128.store(c, madd(va, c10, v0));
    v128.store(c, madd(va, c11, v1), 16);
    c += ldc;
    v128.store(c, madd(va, c20, v0));
    v128.store(c, madd(va, c21, v1), 16);
    c += ldc;
    v128.store(c, madd(va, c30, v0));
    v128.store(c, madd(va, c31, v1), 16);
  } else if (beta == 0) {
    // Overwrite: C is never read, so NaN in it cannot leak through.
    v128.store(c, f32x4.mul(va, c00));
    v128.store(c, f32x4.mul(va, c01), 16);
    c += ldc;
    v128.store(c, f32x4.mul(va, c10));
    v128.store(c, f32x4.mul(va, c11), 16);
    c += ldc;
    v128.store(c, f32x4.mul(va, c20));
    v128.store(c, f32x4.mul(va, c21), 16);
    c += ldc;
    v128.store(c, f32x4.mul(va, c30));
    v128.store(c, f32x4.mul(va, c31), 16);
  } else if (beta == 1) {
    // The common accumulate (the recurrent product onto the projection): 1·C is exact, so skipping it gives the same bits.
    v128.store(c, madd(va, c00, v128.load(c)));
    v128.store(c, madd(va, c01, v128.load(c, 16)), 16);
    c += ldc;
    v128.store(c, madd(va, c10, v128.load(c)));
    v128.store(c, madd(va, c11, v128.load(c, 16)), 16);
    c += ldc;
    v128.store(c, madd(va, c20, v128.load(c)));
    v128.store(c, madd(va, c21, v128.load(c, 16)), 16);
    c += ldc;
    v128.store(c, madd(va, c30, v128.load(c)));
    v128.store(c, madd(va, c31, v128.load(c, 16)), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, madd(va, c00, f32x4.mul(vb, v128.load(c))));
    v128.store(c, madd(va, c01, f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldc;
    v128.store(c, madd(va, c10, f32x4.mul(vb, v128.load(c))));
    v128.store(c, madd(va, c11, f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldc;
    v128.store(c, madd(va, c20, f32x4.mul(vb, v128.load(c))));
    v128.store(c, madd(va, c21, f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldc;
    v128.store(c, madd(va, c30, f32x4.mul(vb, v128.load(c))));
    v128.store(c, madd(va, c31, f32x4.mul(vb, v128.load(c, 16))), 16);
  }
}

/**
 * An mr × nr corner of C (mr ≤ MR, nr ≤ NR) through the same micro-kernel on a padded tile; a bias
 * row is copied into the NR floats after the tile first (so nothing past its nr values is read).
 */
function edgeTile(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, mr: i32, nr: i32,
  alpha: f32, beta: f32, bias: usize, tile: usize): void {
  let tb: usize = 0;
  if (bias != 0) {
    tb = tile + (<usize>(MR * NR) << 2);
    for (let j = 0; j < NR; j++) store<f32>(tb + (<usize>j << 2), j < nr ? load<f32>(bias + (<usize>j << 2)) : 0);
  } else if (beta != 0) {
    for (let i = 0; i < mr; i++) {
      for (let j = 0; j < nr; j++) {
        store<f32>(tile + ((<usize>(i * NR + j)) << 2), load<f32>(c + <usize>i * ldc + (<usize>j << 2)));
      }
    }
  }
  kernel4x8(kc, pa, pb, tile, <usize>NR << 2, alpha, beta, tb);
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      store<f32>(c + <usize>i * ldc + (<usize>j << 2), load<f32>(tile + ((<usize>(i * NR + j)) << 2)));
    }
  }
}

// @ts-ignore: decorator
@inline
function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs the mc × kc block of A into MR-high strips: strip s holds, for each p, the MR values of
 * rows s·MR.. in column p (zero past row mc). Element (i, p) sits at a + i·rs + p·cs (bytes).
 * A row-major A (rs = lda, cs = 4) is transposed 4 × 4 at a time; a transposed one (cs = lda,
 * rs = 4) is copied a vector at a time.
 */
function packA(a: usize, rs: usize, cs: usize, mc: i32, kc: i32, pa: usize): void {
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    const dst = pa + ((<usize>i * <usize>kc) << 2);
    const src = a + <usize>i * rs;
    if (rows == MR && rs == 4) {
      for (let p = 0; p < kc; p++) {
        v128.store(dst + (<usize>p << 4), v128.load(src + <usize>p * cs));
      }
    } else if (rows == MR && cs == 4) {
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const s = src + (<usize>p << 2);
        transpose4(v128.load(s), v128.load(s + rs), v128.load(s + 2 * rs), v128.load(s + 3 * rs),
          dst + (<usize>p << 4), 16);
      }
      for (; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(dst + (<usize>p << 4) + (<usize>r << 2), load<f32>(src + <usize>r * rs + (<usize>p << 2)));
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          const v: f32 = r < rows ? load<f32>(src + <usize>r * rs + <usize>p * cs) : 0;
          store<f32>(dst + (<usize>p << 4) + (<usize>r << 2), v);
        }
      }
    }
  }
}

/**
 * Packs the kc × nc block of B into NR-wide strips: strip s holds, for each p, the NR values of
 * row p in columns s·NR.. (zero past column nc). Element (p, j) sits at b + p·rs + j·cs (bytes).
 */
function packB(b: usize, rs: usize, cs: usize, kc: i32, nc: i32, pb: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const dst = pb + ((<usize>j * <usize>kc) << 2);
    const src = b + <usize>j * cs;
    if (cols == NR && cs == 4) {
      for (let p = 0; p < kc; p++) {
        const s = src + <usize>p * rs;
        const d = dst + (<usize>p << 5);
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else if (cols == NR && rs == 4) {
      // B stored transposed: column j of op(B) is a contiguous row of the stored matrix.
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const s = src + (<usize>p << 2);
        const d = dst + (<usize>p << 5);
        transpose4(v128.load(s), v128.load(s + cs), v128.load(s + 2 * cs), v128.load(s + 3 * cs), d, 32);
        const s4 = s + 4 * cs;
        transpose4(v128.load(s4), v128.load(s4 + cs), v128.load(s4 + 2 * cs), v128.load(s4 + 3 * cs), d + 16, 32);
      }
      for (; p < kc; p++) {
        for (let q = 0; q < NR; q++) {
          store<f32>(dst + (<usize>p << 5) + (<usize>q << 2), load<f32>(src + <usize>q * cs + (<usize>p << 2)));
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let q = 0; q < NR; q++) {
          const v: f32 = q < cols ? load<f32>(src + <usize>p * rs + <usize>q * cs) : 0;
          store<f32>(dst + (<usize>p << 5) + (<usize>q << 2), v);
        }
      }
    }
  }
}

/**
 * pb: the first NR-wide strip of packed B for this block; strips lie stripBytes apart. bias: 0, or
 * the bias of the block's first column.
 */
function macroKernel(mc: i32, nc: i32, kc: i32, pa: usize, pb: usize, stripBytes: usize, c: usize, ldc: usize,
  alpha: f32, beta: f32, bias: usize, tile: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const pbj = pb + <usize>(jr / NR) * stripBytes;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const pai = pa + ((<usize>ir * <usize>kc) << 2);
      const cij = c + <usize>ir * ldc + (<usize>jr << 2);
      const bj = bias != 0 ? bias + (<usize>jr << 2) : 0;
      if (mr == MR && nr == NR) kernel4x8(kc, pai, pbj, cij, ldc, alpha, beta, bj);
      else edgeTile(kc, pai, pbj, cij, ldc, mr, nr, alpha, beta, bj, tile);
    }
  }
}

/** C = beta · C (zero when beta = 0, whatever C held). */
function scaleC(m: i32, n: i32, beta: f32, c: usize, ldc: usize): void {
  if (beta == 1) return;
  const vb = f32x4.splat(beta);
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * ldc;
    let j = 0;
    if (beta == 0) {
      for (; j + 4 <= n; j += 4) v128.store(row + (<usize>j << 2), f32x4.splat(0.0));
      for (; j < n; j++) store<f32>(row + (<usize>j << 2), 0);
    } else {
      for (; j + 4 <= n; j += 4) {
        const p = row + (<usize>j << 2);
        v128.store(p, f32x4.mul(vb, v128.load(p)));
      }
      for (; j < n; j++) {
        const p = row + (<usize>j << 2);
        store<f32>(p, beta * load<f32>(p));
      }
    }
  }
}

/**
 * C = alpha · op(A) · op(B) + beta · C. op(A) is (m, k), op(B) is (k, n); A is stored (m, k)
 * when transA = 0, else (k, m); B likewise (k, n) or (n, k). Pointers are byte addresses, leading
 * dimensions are in elements. ws is a workspace of gemmWorkspaceBytes() bytes.
 */
export function gemm(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, ws: usize): void {
  gemmImpl(transA, transB, m, n, k, alpha, a, lda, b, ldb, 0, beta, 0, c, ldc, ws);
}

/** Bytes of B (k × n) packed whole by packB: NR-wide strips of k rows, the last one zero-padded. */
export function packedBBytes(k: i32, n: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k * 4;
}

/**
 * Packs op(B) (k × n; stored (k, n), or (n, k) when transB) whole into dst (packedBBytes bytes,
 * 16-byte aligned), for gemmPacked: a B that is constant over many calls (the recurrent weight
 * over the time steps) is packed once instead of on every call.
 */
export function packBWhole(transB: i32, k: i32, n: i32, b: usize, ldb: i32, dst: usize): void {
  const ldbB = <usize>ldb << 2;
  packB(b, transB ? 4 : ldbB, transB ? ldbB : 4, k, n, dst);
}

/**
 * gemm with op(B) taken from packBWhole's output; same results, bit for bit. The columns of C may
 * start inside the packed B at column j0 (a multiple of NR), for a share of the columns.
 */
export function gemmPacked(transA: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  packed: usize, j0: i32, beta: f32, c: usize, ldc: i32, ws: usize): void {
  gemmImpl(transA, 0, m, n, k, alpha, a, lda, 0, 0, packed + <usize>(j0 / NR) * <usize>(NR * k * 4), beta, 0, c, ldc, ws);
}

/**
 * gemmPacked (from column 0) with C = alpha · op(A) · op(B) + bias, the bias row (n floats) added
 * to every row of C: the bits of filling C's rows with the bias (fillRows) and calling gemmPacked
 * with beta = 1.
 */
export function gemmPackedBias(transA: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  packed: usize, bias: usize, c: usize, ldc: i32, ws: usize): void {
  gemmImpl(transA, 0, m, n, k, alpha, a, lda, 0, 0, packed, 1, bias, c, ldc, ws);
}

/** bias: 0, or a row of n floats that the first block of k adds instead of beta·C. */
function gemmImpl(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, packed: usize, beta: f32, bias: usize, c: usize, ldc: i32, ws: usize): void {
  if (m <= 0 || n <= 0) return;
  const ldcB = <usize>ldc << 2;
  if (k <= 0 || alpha == 0) {
    if (bias != 0) fillRows(m, n, bias, c, ldc);
    else scaleC(m, n, beta, c, ldcB);
    return;
  }
  const ldaB = <usize>lda << 2;
  const ldbB = <usize>ldb << 2;
  // Byte strides of op(A) along its rows (i) and columns (p), and of op(B) along p and j.
  const aRs: usize = transA ? 4 : ldaB;
  const aCs: usize = transA ? ldaB : 4;
  const bRs: usize = transB ? 4 : ldbB;
  const bCs: usize = transB ? ldbB : 4;
  const pa = ws;
  const pbWs = ws + (<usize>(MC * KC) << 2);
  const tile = pbWs + (<usize>(KC * NC) << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const betaBlock: f32 = pc == 0 ? beta : 1;
      let pb: usize, stripBytes: usize;
      if (packed != 0) {
        // Whole-k strips: the block (pc, jc) starts pc rows into strip jc / NR.
        stripBytes = <usize>(NR * k * 4);
        pb = packed + <usize>(jc / NR) * stripBytes + <usize>(pc * NR * 4);
      } else {
        stripBytes = <usize>(NR * kc * 4);
        pb = pbWs;
        packB(b + <usize>pc * bRs + <usize>jc * bCs, bRs, bCs, kc, nc, pb);
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a + <usize>ic * aRs + <usize>pc * aCs, aRs, aCs, mc, kc, pa);
        macroKernel(mc, nc, kc, pa, pb, stripBytes, c + <usize>ic * ldcB + (<usize>jc << 2), ldcB, alpha, betaBlock,
          pc == 0 && bias != 0 ? bias + (<usize>jc << 2) : 0, tile);
      }
    }
  }
}
