// Measuring a model's gradient flow through time on one batch of a task, exactly: on a float64
// copy of the model with the js kernels (the float32 wasm kernels flush gradients below 2^-100, and
// a vanishing gradient is exactly what this measures).

import { JsKernels } from '../kernels/js.js';
import { Sequential } from '../model/sequential.js';
import type { Batch, Task } from '../tasks/task.js';
import { computeLoss, paddingMask } from '../train/losses.js';
import { gradFlow, recordGradFlow, verdict, type GradFlowCurve, type GradFlowVerdict } from './gradflow.js';
import { cellMemory, type LayerMemory } from './memory.js';
import { spectralRadius } from './spectral.js';

export interface GradFlowReport {
  verdict: GradFlowVerdict;
  /** ‖∂L/∂h_t‖ of the first layer's forward direction, t = 0 … T−1. */
  gradNormByStep: number[];
  ratioFirstToLast: number;
  /**
   * Largest spectral radius over the H×H gate blocks of the first layer's W_hh (the whole W_hh for
   * an RNN; diag(u), max |u|, for IndRNN); NaN for cells without a recurrent weight.
   */
  spectralRadius: number;
  curves: GradFlowCurve[];
  /** IndRNN and the min cells: how long each layer remembers (memory.ts); else null. */
  memory: LayerMemory[] | null;
}

/** A float64 js-kernel copy of `model` with the same weights. */
export function float64Copy(model: Sequential): Sequential {
  const copy = new Sequential({ ...model.config, dtype: 'float64' }, { kernels: new JsKernels('float64'), initialize: false });
  model.params.forEach((p, i) => copy.params[i].value.set(p.value));
  return copy;
}

export function measureGradFlow(model: Sequential, task: Task, batch: Batch = task.validation()[0]): GradFlowReport {
  const m = float64Copy(model);
  recordGradFlow(m, true);
  m.zeroGrad();
  const y = m.forward(batch.x, batch.t, batch.b, { lengths: batch.lengths });
  const grad = new Float64Array(y.data.length);
  const rowWeight = m.config.outputMode === 'every' ? paddingMask(batch.lengths, 0, batch.t, batch.b) : null;
  computeLoss(task.loss, { pred: y.data, rows: batch.rows, cols: task.outputSize, target: batch.target, rowWeight }, grad);
  m.backward({ data: grad, t: y.t, b: y.b, f: y.f });
  const curves = gradFlow(m);
  const first = curves.find((c) => c.layer === 0 && c.direction === 0)!;
  const norms = Array.from(first.norms);
  const v = verdict(norms);
  return { verdict: v.verdict, gradNormByStep: norms, ratioFirstToLast: v.ratioFirstToLast, spectralRadius: firstLayerRadius(m), curves, memory: cellMemory(m) };
}

function firstLayerRadius(m: Sequential): number {
  const spec = m.rnn.cell.spec, h = m.config.hiddenSize;
  if (spec.recurrent === 'none') return NaN;
  const whh = m.param('rnn.weight_hh_l0').value;
  let rho = 0;
  if (spec.recurrent === 'vector') for (const u of whh) rho = Math.max(rho, Math.abs(u));
  else for (let g = 0; g < m.rnn.cell.gates; g++) rho = Math.max(rho, spectralRadius(whh.subarray(g * h * h, (g + 1) * h * h), h));
  return rho;
}

/** Remedies that fit a verdict, in plain words, for the CLI and the report. */
export function remedies(v: GradFlowVerdict, cell: string, activation?: string, forgetBias = 0): string[] {
  if (v === 'healthy') return [];
  if (v === 'exploding') {
    return [
      'clip the gradient norm (--clip-norm 1, or --clip-adaptive 2)',
      'lower the learning rate, or use a schedule with warm-up (--schedule cosine --warmup 100)',
      cell === 'indrnn' ? 'lower the bound on u toward 1 (--recurrent-max; Li et al. use 2^(1/T))'
        : 'initialize the recurrent weights orthogonally (--init orthogonal) so their spectral radius starts at 1',
    ];
  }
  const out: string[] = [];
  if (cell === 'indrnn') out.push('let u reach 2^(1/T) (--recurrent-max; u starts in U(0, bound)) so that units can keep their state over the whole sequence');
  if (cell === 'indrnn' || cell === 'mingru' || cell === 'minlstm') out.push('stack layers with residual connections (--layers 3 --residual): deeper layers see the whole sequence through the ones below');
  if (cell === 'minlstm') out.push('raise the forget-gate bias (--forget-bias 2) so the normalised forget gate f/(f+i) starts near 1');
  if (cell === 'rnn') out.push('use a gated cell (--cell lstm or --cell gru), whose additive state path carries gradient further');
  if (cell === 'rnn' && activation !== 'relu') out.push('try the IRNN preset (--preset irnn: ReLU, identity recurrent weights, clipping)');
  if (cell === 'rnn') out.push('initialize W_hh orthogonally (--init orthogonal) so its spectral radius is near 1');
  if (cell === 'lstm' && forgetBias < 1) out.push('raise the forget-gate bias (--forget-bias 1 or more) so the cell state is kept across steps');
  if (cell === 'lstm' && forgetBias >= 1) out.push(`raise the forget-gate bias further (now ${forgetBias}; --forget-bias 2 or 3), or try a GRU (--cell gru), the fastest learner of the adding problem in recur experiment vanishing`);
  out.push('skip connections over time shorten the path the gradient travels (--dilations 1,2,4,8 or --skip; recur experiment skip)');
  return out;
}
