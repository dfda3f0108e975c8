// Gradient flow over time: how much of the loss gradient reaches each step of a recurrent layer.
// RecurrentLayer records ‖∂L/∂h_t‖₂ (the whole (B, H) block) per step when asked; this file turns
// the recording on and off for a model, collects it, and classifies one curve.
//
// For a loss on the last step only, ∂L/∂h_{T−1} is the gradient the head sends, and every earlier
// step gets it multiplied by one Jacobian ∂h_{t+1}/∂h_t per step (W_hhᵀ·diag(φ′) for an RNN, the
// forget gate along the LSTM cell path). norms[0] / norms[T−1] is the product of T−1 of them: what
// share of the signal is left to learn dependencies spanning the whole sequence.

import { RecurError } from '../errors.js';
import type { Sequential } from '../model/sequential.js';

export interface GradFlowCurve {
  layer: number;
  /** 0 forward, 1 reverse. */
  direction: number;
  /** ‖∂L/∂h_t‖₂ over the batch, index t = time step (time order for both directions). */
  norms: number[];
}

/** Turns the per-step recording on or off on every recurrent layer of the model. */
export function recordGradFlow(model: Sequential, on: boolean): void {
  for (const layer of model.rnn.layers) layer.recordGradFlow = on;
}

/** The curves of the last recorded backward pass, layer 0 first, forward before reverse; directions never recorded are left out. */
export function gradFlow(model: Sequential): GradFlowCurve[] {
  const out: GradFlowCurve[] = [];
  model.rnn.layers.forEach((layer, l) => {
    for (let d = 0; d < layer.directions; d++) {
      const rec = layer.gradFlow[d];
      if (rec) out.push({ layer: l, direction: d, norms: Array.from(rec) });
    }
  });
  return out;
}

export type GradFlowVerdict = 'vanishing' | 'exploding' | 'healthy';

export interface VerdictOptions {
  /** Below this first-to-last ratio: vanishing. Default 1e-3. */
  vanishBelow?: number;
  /** Above this first-to-last ratio: exploding. Default 1e3. */
  explodeAbove?: number;
}

/**
 * Classifies a curve recorded with a loss on the last step (for the reverse direction with a loss
 * at t = 0, pass the norms reversed). ratioFirstToLast = norms[0] / norms[T−1].
 *
 * Thresholds 1e-3 and 1e3 (three decades either way): the weight gradient is a sum over steps,
 * so a step whose share is under 1e-3 of the last step's is lost beside it (and beside minibatch
 * noise, which is rarely below a part in a thousand); over T = 100 that is a mean per-step factor
 * outside [0.933, 1.072], i.e. a Jacobian norm visibly away from 1. Three decades above is where
 * a step size tuned for the last steps would move the weights by ~1000× too much for the first
 * ones, the usual point where clipping becomes necessary. A non-finite norm anywhere is exploding;
 * a zero first norm is vanishing (ratio 0), a zero last norm with a nonzero first one exploding.
 */
export function verdict(norms: ArrayLike<number>, opts: VerdictOptions = {}): { verdict: GradFlowVerdict; ratioFirstToLast: number } {
  const lo = opts.vanishBelow ?? 1e-3;
  const hi = opts.explodeAbove ?? 1e3;
  if (norms.length === 0) throw new RecurError('verdict: no norms (was recording on during backward?)');
  for (let i = 0; i < norms.length; i++) {
    if (!Number.isFinite(norms[i])) return { verdict: 'exploding', ratioFirstToLast: Number.POSITIVE_INFINITY };
  }
  const first = norms[0];
  const last = norms[norms.length - 1];
  const ratio = first === 0 ? 0 : last === 0 ? Number.POSITIVE_INFINITY : first / last;
  const v: GradFlowVerdict = ratio < lo ? 'vanishing' : ratio > hi ? 'exploding' : 'healthy';
  return { verdict: v, ratioFirstToLast: ratio };
}
