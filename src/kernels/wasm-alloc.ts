// The wasm kernels' memory allocator: first-fit free list with merging over one growable shared
// WebAssembly.Memory. Every buffer the wasm kernels compute on comes from here.

import { RecurError } from '../errors.js';

export const PAGE = 65536;
export const MAX_PAGES = 65536;

interface Block { off: number; size: number }

/** First-fit free list over [base, top) of the memory; blocks are multiples of 16 bytes. */
export class Allocator {
  private top: number;
  private readonly free: Block[] = []; // sorted by offset, coalesced
  readonly used = new Map<number, number>(); // byte offset → block size

  constructor(private readonly memory: WebAssembly.Memory, base: number, private readonly onGrow: () => void) {
    this.top = align(base, 64);
  }

  alloc(bytes: number): number {
    const size = Math.max(16, align(bytes, 16));
    for (let i = 0; i < this.free.length; i++) {
      const blk = this.free[i]!;
      if (blk.size < size) continue;
      const off = blk.off;
      if (blk.size === size) this.free.splice(i, 1);
      else { blk.off += size; blk.size -= size; }
      this.used.set(off, size);
      new Uint8Array(this.memory.buffer, off, size).fill(0);
      return off;
    }
    const off = this.top;
    const end = off + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      const current = have / PAGE;
      if (current + pages > MAX_PAGES) {
        throw new RecurError(`wasm kernels: out of memory (asked for ${bytes} bytes with ${have} in use; the maximum is 4 GiB)`);
      }
      // Grow by at least an eighth so that many small allocations do not grow page by page.
      this.memory.grow(Math.min(MAX_PAGES - current, Math.max(pages, Math.ceil(current / 8))));
      this.onGrow();
    }
    // Memory past `top` has never been handed out, or was zeroed when given back.
    this.top = end;
    this.used.set(off, size);
    return off;
  }

  /**
   * Grows the memory so that the next `bytes` the bump path will hand out exist, and returns that
   * span [from, to) (for prefaulting it; nothing is handed out).
   */
  reserveAhead(bytes: number): [number, number] {
    const from = this.top;
    const to = Math.min(from + Math.max(0, bytes), MAX_PAGES * PAGE);
    const have = this.memory.buffer.byteLength;
    if (to > have) {
      this.memory.grow(Math.ceil((to - have) / PAGE));
      this.onGrow();
    }
    return [from, to];
  }

  release(off: number): void {
    const size = this.used.get(off);
    if (size === undefined) throw new Error('wasm kernels: free() of a buffer that is not allocated (freed twice, or not from alloc)');
    this.used.delete(off);
    if (off + size === this.top) {
      this.top = off;
      // Fold a free block that now ends at the top back into it.
      const last = this.free[this.free.length - 1];
      if (last && last.off + last.size === this.top) {
        this.top = last.off;
        this.free.pop();
      }
      // What lies past top must read as zero when handed out again by the bump path.
      new Uint8Array(this.memory.buffer, this.top, off + size - this.top).fill(0);
      return;
    }
    let lo = 0, hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid]!.off < off) lo = mid + 1; else hi = mid;
    }
    const prev = lo > 0 ? this.free[lo - 1] : undefined;
    const next = this.free[lo];
    if (prev && prev.off + prev.size === off) {
      prev.size += size;
      if (next && prev.off + prev.size === next.off) {
        prev.size += next.size;
        this.free.splice(lo, 1);
      }
    } else if (next && off + size === next.off) {
      next.off = off;
      next.size += size;
    } else {
      this.free.splice(lo, 0, { off, size });
    }
  }

  get bytesInUse(): number {
    let s = 0;
    for (const v of this.used.values()) s += v;
    return s;
  }
}

export function align(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
