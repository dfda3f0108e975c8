// The scan kernels' side of a threaded job (asm/scan.ts through wasm-scan.ts): their exports, their
// job codes, and the chunk runner that wasm-worker.ts's runChunk hands their jobs to. A chunk is a
// fixed range of elements of the B·H block, of batch rows, of columns, or of chunks of time, so
// every element is computed as a whole-range call computes it.

/** The exports of asm/scan.ts; addresses are byte offsets. */
export interface ScanExports {
  indrnnForward(b: number, h: number, e0: number, e1: number, t: number, reverse: number, p: number, u: number, hs: number, ls: number): void;
  indrnnBackward(b: number, h: number, e0: number, e1: number, t: number, reverse: number, hs: number, u: number,
    dy: number, dyLd: number, dh: number, dP: number, ls: number): void;
  scanForward(b: number, h: number, e0: number, e1: number, t: number, s0: number, s1: number, reverse: number,
    a: number, v: number, hs: number, prod: number, ls: number): void;
  scanForwardCombine(b: number, h: number, e0: number, e1: number, t: number, chunk: number, reverse: number, hs: number, prods: number, ls: number): void;
  scanBackward(b: number, h: number, e0: number, e1: number, t: number, s0: number, s1: number, reverse: number,
    a: number, hs: number, dy: number, dyLd: number, carry: number, dA: number, dV: number, prod: number, ls: number): void;
  scanBackwardCombine(b: number, h: number, e0: number, e1: number, t: number, chunk: number, carries: number, prods: number): void;
  minGruGates(m: number, h: number, p: number, a: number, v: number, cache: number): void;
  minGruGatesBackward(m: number, h: number, cache: number, a: number, dA: number, dV: number, dP: number): void;
  minLstmGates(m: number, h: number, p: number, a: number, v: number, cache: number): void;
  minLstmGatesBackward(m: number, h: number, cache: number, v: number, dA: number, dV: number, dP: number): void;
  addColumnProductSums(m: number, j0: number, j1: number, a: number, lda: number, b: number, ldb: number, out: number): void;
}

/** Job codes of the scan kernels (after wasm-worker.ts's OP codes). */
export const SCAN_OP = {
  INDRNN_FORWARD: 32, INDRNN_BACKWARD: 33, SCAN_FORWARD: 34, SCAN_BACKWARD: 35,
  SCAN_FORWARD_CHUNKS: 36, SCAN_BACKWARD_CHUNKS: 37,
  MINGRU_GATES: 38, MINGRU_GATES_BACKWARD: 39, MINLSTM_GATES: 40, MINLSTM_GATES_BACKWARD: 41,
  COLUMN_PRODUCT_SUMS: 42,
} as const;

/**
 * Runs the range [s, e) of a scan job (op one of SCAN_OP); int(i) / addr(i) read the job's
 * integer arguments. Returns false for an op that is not a scan kernel's.
 */
export function runScanChunk(x: ScanExports, op: number, int: (i: number) => number, addr: (i: number) => number,
  s: number, e: number): boolean {
  switch (op) {
    case SCAN_OP.INDRNN_FORWARD:
      // ARGS: b, h, t, reverse, p, u, hs, ls; chunks of elements
      x.indrnnForward(int(0), int(1), s, e, int(2), int(3), addr(4), addr(5), addr(6), int(7));
      return true;
    case SCAN_OP.INDRNN_BACKWARD:
      // ARGS: b, h, t, reverse, hs, u, dy, dyLd, dh, dP, ls
      x.indrnnBackward(int(0), int(1), s, e, int(2), int(3), addr(4), addr(5), addr(6), int(7), addr(8), addr(9), int(10));
      return true;
    case SCAN_OP.SCAN_FORWARD:
      // ARGS: b, h, t, reverse, a, v, hs, ls; chunks of elements, all steps
      x.scanForward(int(0), int(1), s, e, int(2), 0, int(2), int(3), addr(4), addr(5), addr(6), 0, int(7));
      return true;
    case SCAN_OP.SCAN_BACKWARD:
      // ARGS: b, h, t, reverse, a, hs, dy, dyLd, dh, dA, dV, ls
      x.scanBackward(int(0), int(1), s, e, int(2), 0, int(2), int(3), addr(4), addr(5), addr(6), int(7), addr(8),
        addr(9), addr(10), 0, int(11));
      return true;
    case SCAN_OP.SCAN_FORWARD_CHUNKS:
      // ARGS: b, h, t, reverse, a, v, hs, chunk, phase, prods, ls; chunks of time [s, e)
      for (let c = s; c < e; c++) forwardChunk(x, int, addr, c);
      return true;
    case SCAN_OP.SCAN_BACKWARD_CHUNKS:
      // ARGS: b, h, t, reverse, a, hs, dy, dyLd, -, dA, dV, chunk, phase, prods, carries, ls
      for (let c = s; c < e; c++) backwardChunk(x, int, addr, c);
      return true;
    case SCAN_OP.MINGRU_GATES: {
      // ARGS: h, p, a, v, cache; chunks of rows
      const h = int(0), r = 4 * h * s;
      x.minGruGates(e - s, h, addr(1) + 2 * r, addr(2) + r, addr(3) + r, addr(4) + 2 * r);
      return true;
    }
    case SCAN_OP.MINGRU_GATES_BACKWARD: {
      // ARGS: h, cache, a, dA, dV, dP
      const h = int(0), r = 4 * h * s;
      x.minGruGatesBackward(e - s, h, addr(1) + 2 * r, addr(2) + r, addr(3) + r, addr(4) + r, addr(5) + 2 * r);
      return true;
    }
    case SCAN_OP.MINLSTM_GATES: {
      // ARGS: h, p, a, v, cache
      const h = int(0), r = 4 * h * s;
      x.minLstmGates(e - s, h, addr(1) + 3 * r, addr(2) + r, addr(3) + r, addr(4) + 3 * r);
      return true;
    }
    case SCAN_OP.MINLSTM_GATES_BACKWARD: {
      // ARGS: h, cache, v, dA, dV, dP
      const h = int(0), r = 4 * h * s;
      x.minLstmGatesBackward(e - s, h, addr(1) + 3 * r, addr(2) + r, addr(3) + r, addr(4) + r, addr(5) + 3 * r);
      return true;
    }
    case SCAN_OP.COLUMN_PRODUCT_SUMS:
      // ARGS: m, a, lda, b, ldb, out; chunks of columns
      x.addColumnProductSums(int(0), s, e, addr(1), int(2), addr(3), int(4), addr(5));
      return true;
  }
  return false;
}

/**
 * Chunk c of time of a chunked forward scan (wasm-scan.ts: phase 1 scans chunk 0 from the initial
 * state and the others from zero; phase 3 reruns the others from their true start, all but the
 * end step, which the combine set).
 */
function forwardChunk(x: ScanExports, int: (i: number) => number, addr: (i: number) => number, c: number): void {
  const b = int(0), h = int(1), t = int(2), chunk = int(7), phase = int(8);
  const s0 = c * chunk, s1 = Math.min(t, s0 + chunk);
  const prod = phase === 1 && c > 0 ? addr(9) + 4 * c * b * h : 0;
  if (phase === 3 && c === 0) return;
  x.scanForward(b, h, 0, b * h, t, s0, phase === 3 ? s1 - 1 : s1, int(3), addr(4), addr(5), addr(6), prod, int(10));
}

/**
 * Chunk c of time of a chunked backward scan: phase 1 runs the last chunk from the incoming
 * gradient (its carry in carries + (C−1)·B·H) and the others from zero; phase 3 reruns every chunk
 * but the last from the true carry of the chunk after it.
 */
function backwardChunk(x: ScanExports, int: (i: number) => number, addr: (i: number) => number, c: number): void {
  const b = int(0), h = int(1), t = int(2), chunk = int(11), phase = int(12);
  const n = b * h, chunks = Math.ceil(t / chunk), last = c === chunks - 1;
  const s0 = c * chunk, s1 = Math.min(t, s0 + chunk);
  if (phase === 3 && last) return;
  const local = phase === 1 && !last;
  const carry = addr(14) + 4 * n * (phase === 3 ? c + 1 : c);
  x.scanBackward(b, h, 0, n, t, s0, s1, int(3), addr(4), addr(5), addr(6), int(7), carry, addr(9), addr(10),
    local ? addr(13) + 4 * n * c : 0, int(15));
}
