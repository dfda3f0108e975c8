// Truncated backpropagation through time (Williams & Peng 1990; Sutskever 2013's k1 = k2 form):
// the sequence is cut into chunks of `chunk` steps; the state flows forward across chunk borders,
// the gradient does not. Each chunk runs forward from the previous chunk's final state (a copy,
// so nothing links back), then backward; gradients of all chunks add up in the parameters.

import { checkPositiveInt, fail } from '../errors.js';
import type { Seq } from '../layers/layer.js';
import type { RecurrentState } from '../layers/stack.js';
import type { Sequential } from './sequential.js';

/** Loss of one chunk's output, and its gradient. t0 is the chunk's first step, tc its length. */
export type ChunkLoss = (y: Seq, t0: number, tc: number) => { loss: number; dOut: Seq };

export interface TruncatedResult {
  /** Sum of the chunk losses. */
  loss: number;
  /** The state each chunk started from (the first: the given state, or null for zeros). */
  chunkStates: (RecurrentState | null)[];
  /** The state after the last chunk, to carry into the next batch of a stream. */
  state: RecurrentState;
}

export function truncatedBptt(
  model: Sequential, x: ArrayLike<number>, t: number, b: number, chunk: number, lossFn: ChunkLoss,
  opts: { lengths?: ArrayLike<number> | null; state?: RecurrentState | null; training?: boolean } = {},
): TruncatedResult {
  checkPositiveInt('truncated BPTT length', chunk);
  if (model.config.skip || model.config.dilations?.some((d) => d > 1)) fail('truncated BPTT', 'a model without Skip RNN or dilated layers (they carry more state across a chunk border than the final state holds)', model.config.skip ? 'a Skip RNN' : 'a dilated one');
  if (model.rnn.directions === 2) fail('truncated BPTT', 'a unidirectional model (the reverse direction needs the whole sequence)', 'a bidirectional one');
  const w = x.length / (t * b);
  if (!Number.isInteger(w)) fail('input', `a multiple of T·B = ${t * b} values`, x.length);
  let state: RecurrentState | null = opts.state ?? null;
  const chunkStates: (RecurrentState | null)[] = [];
  let loss = 0;
  for (let t0 = 0; t0 < t; t0 += chunk) {
    const tc = Math.min(chunk, t - t0);
    const xs = Array.prototype.slice.call(x, t0 * b * w, (t0 + tc) * b * w) as number[];
    const lengths = opts.lengths ? Array.from(opts.lengths, (len) => Math.max(0, Math.min(tc, len - t0))) : null;
    chunkStates.push(state);
    const y = model.forward(xs, tc, b, { lengths, state, training: opts.training });
    const r = lossFn(y, t0, tc);
    loss += r.loss;
    model.backward(r.dOut);
    state = model.finalState();
  }
  return { loss, chunkStates, state: state! };
}
