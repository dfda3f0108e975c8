// The experiments of `recur experiment NAME`: each compares remedies for one way recurrent training
// fails, on the adding problem (Le et al. 2015 form: 0.167 is the MSE of always guessing 1, solved
// is an MSE under 0.01). Plain data: which models, which training, which lengths and budgets; the
// command (commands/experiment.ts) runs them. Defaults run in minutes on two cores; `full` uses the
// papers' lengths (T = 400 as in Hu et al. 2018 for vanishing and skip) and longer budgets.

import type { TrainConfig } from '../train/trainer.js';
import type { ModelOptions } from './args.js';

export const EXPERIMENT_NAMES = ['vanishing', 'init', 'clipping', 'lr', 'skip'] as const;
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];

export interface Arm {
  name: string;
  /** Adding-problem length T for this arm. */
  length: number;
  model: ModelOptions;
  /** Optimizer, schedule, clipping; steps and batch come from the experiment. */
  train: Pick<TrainConfig, 'optimizer'> & Partial<Pick<TrainConfig, 'schedule' | 'clip'>>;
  /** This arm's budget when not the experiment's, and whether it runs it all even once solved (Skip RNN arms: the budget loss needs the time). */
  steps?: number;
  noStop?: boolean;
}

export interface Experiment {
  name: ExperimentName;
  title: string;
  description: string;
  steps: number;
  batchSize: number;
  arms: Arm[];
}

const adam = (lr: number): Arm['train'] => ({ optimizer: { kind: 'adam', lr }, clip: { kind: 'norm', maxNorm: 1 } });
const H = 64;
const rnn = (activation: 'tanh' | 'relu' | 'leaky_relu', extra: Partial<ModelOptions> = {}): ModelOptions => ({ cell: 'rnn', activation, hiddenSize: H, ...extra });
/** LSTM with forget-gate bias 1 (Gers et al. 2000), as in `recur demo`. */
const lstm = (extra: Partial<ModelOptions> = {}): ModelOptions => ({ cell: 'lstm', hiddenSize: H, init: { recurrent: 'default', forgetBias: 1 }, ...extra });
const gru = (extra: Partial<ModelOptions> = {}): ModelOptions => ({ cell: 'gru', hiddenSize: H, ...extra });
/** Le et al. 2015: ReLU, W_hh = I, biases 0; small learning rate and clipping. */
const irnn = (): ModelOptions => rnn('relu', { init: { recurrent: 'identity', scale: 1 } });

/** λ of the Skip RNN arms (Campos et al. 2018 report 54% updates at λ = 1e-5 on their adding task; see docs/experiments.md). */
export const SKIP_BUDGET = 3e-4;

export function experiment(name: ExperimentName, full: boolean): Experiment {
  switch (name) {
    case 'vanishing': {
      const T = full ? 400 : 100;
      return {
        name, title: `vanishing gradients: the adding problem at T = ${T}`, steps: full ? 20000 : 2500, batchSize: 32,
        description: `Which cells carry a gradient across ${T} steps. A tanh RNN's gradient shrinks by a factor per step and it stays at the 0.167 baseline; ReLU and leaky ReLU RNNs with the default init do little better; the IRNN (identity W_hh, Le et al. 2015), the LSTM and the GRU keep it. "ratio at init" is ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ before training.`,
        arms: [
          { name: 'tanh RNN', length: T, model: rnn('tanh'), train: adam(1e-3) },
          { name: 'ReLU RNN', length: T, model: rnn('relu'), train: adam(1e-3) },
          { name: 'leaky ReLU RNN', length: T, model: rnn('leaky_relu', { leak: 0.01 }), train: adam(1e-3) },
          { name: 'IRNN', length: T, model: irnn(), train: adam(1e-4) },
          { name: 'LSTM', length: T, model: lstm(), train: adam(1e-2) },
          { name: 'GRU', length: T, model: gru(), train: adam(1e-2) },
        ],
      };
    }
    case 'init': {
      const T = full ? 150 : 50;
      const arm = (n: string, kind: 'default' | 'xavier' | 'he' | 'orthogonal' | 'identity'): Arm => ({
        name: `ReLU RNN, ${n}`, length: T, train: adam(1e-4),
        model: rnn('relu', kind === 'default' ? {} : { init: { recurrent: kind } }),
      });
      return {
        name, title: `initialization: a ReLU RNN on the adding problem at T = ${T}`, steps: full ? 10000 : 5000, batchSize: 32,
        description: 'The same ReLU RNN, Adam 1e-4 with clip-norm 1, under five initializations of W_hh: the gradient ratio at initialization says how much signal reaches the first step; the validation loss says whether it learned.',
        arms: [arm('PyTorch default', 'default'), arm('Xavier', 'xavier'), arm('He', 'he'), arm('orthogonal', 'orthogonal'), arm('identity', 'identity')],
      };
    }
    case 'clipping': {
      const T = full ? 20 : 10;
      const model = rnn('relu', { hiddenSize: 32, init: { recurrent: 'identity', scale: 1.5 } });
      const sgd = (clip: Arm['train']['clip']): Arm['train'] => ({ optimizer: { kind: 'momentum', lr: 0.02 }, clip });
      return {
        name, title: `gradient clipping: an exploding ReLU RNN (W_hh = 1.5·I, SGD + momentum 0.9, lr 0.02) at T = ${T}`, steps: full ? 10000 : 4000, batchSize: 32,
        description: 'Recurrent weights with spectral radius 1.5 make activations and gradients grow by up to 1.5 per step: without clipping the first updates throw the model off and it ends at the baseline ("worst loss"; the NaN guard skips or rolls back non-finite steps). The same start with norm and value clipping, an adaptive threshold from the running norm (Pascanu et al. 2013: no history at step 1, so the first explosion gets through), AutoClip (Seetharaman et al. 2020: the 10th percentile of the norms so far, warm-started with ten norms of 1) and AGC (Brock et al. 2021: each unit\'s gradient at most 0.05 × its weight norm, no history needed).',
        arms: [
          { name: 'no clipping', length: T, model, train: sgd({ kind: 'none' }) },
          { name: 'clip norm 1', length: T, model, train: sgd({ kind: 'norm', maxNorm: 1 }) },
          { name: 'clip value 0.01', length: T, model, train: sgd({ kind: 'value', value: 0.01 }) },
          { name: 'adaptive (EMA) 2', length: T, model, train: sgd({ kind: 'adaptive', factor: 2 }) },
          { name: 'AutoClip p10, warm start', length: T, model, train: sgd({ kind: 'autoclip', percentile: 10 }) },
          { name: 'AGC 0.05', length: T, model, train: sgd({ kind: 'agc', factor: 0.05 }) },
        ],
      };
    }
    case 'lr': {
      const T = full ? 50 : 20;
      const steps = full ? 10000 : 3000;
      const clip = { kind: 'norm', maxNorm: 1 } as const;
      const sgd = 4;
      const warm = { iters: 100 };
      return {
        name, title: `learning rates: a GRU on the adding problem at T = ${T}`, steps, batchSize: 32,
        description: `One GRU (clip-norm 1) trained by plain SGD at a rate ${sgd} that is too high to start with but right once the model has moved: fixed, it throws the model off (a validation loss above the baseline); with a warm-up of ${warm.iters} steps and a cosine decay, or a one-cycle schedule, the same rate trains. SGD with momentum 0.9 (lr 0.1, warm-up and cosine), Adam and RMSprop beside them.`,
        arms: [
          { name: `SGD ${sgd} fixed`, length: T, model: gru(), train: { optimizer: { kind: 'sgd', lr: sgd }, clip } },
          { name: `SGD ${sgd}, warm-up ${warm.iters} + cosine`, length: T, model: gru(), train: { optimizer: { kind: 'sgd', lr: sgd }, clip, schedule: { kind: 'cosine', tMax: steps, etaMin: sgd / 100, warmup: warm } } },
          { name: `SGD one-cycle to ${sgd}`, length: T, model: gru(), train: { optimizer: { kind: 'sgd', lr: sgd }, clip, schedule: { kind: 'onecycle', maxLr: sgd, totalSteps: steps + 1 } } },
          { name: `SGD ${sgd} step ×0.5`, length: T, model: gru(), train: { optimizer: { kind: 'sgd', lr: sgd }, clip, schedule: { kind: 'step', stepSize: Math.floor(steps / 4), gamma: 0.5 } } },
          { name: 'SGD + momentum 0.9, 0.1, warm-up + cosine', length: T, model: gru(), train: { optimizer: { kind: 'momentum', lr: 0.1 }, clip, schedule: { kind: 'cosine', tMax: steps, etaMin: 1e-3, warmup: warm } } },
          { name: 'Adam 1e-2', length: T, model: gru(), train: adam(1e-2) },
          { name: 'RMSprop 1e-3', length: T, model: gru(), train: { optimizer: { kind: 'rmsprop', lr: 1e-3 }, clip } },
        ],
      };
    }
    case 'skip': {
      const T = full ? 400 : 50;
      const stackT = full ? 400 : 200;
      const skip = { skip: { budget: SKIP_BUDGET } };
      const skipSteps = full ? 20000 : 10000;
      // Adam 1e-2 decayed by a cosine to 1e-4: the update fraction keeps falling while the error settles
      const skipTrain: Arm['train'] = { ...adam(1e-2), schedule: { kind: 'cosine', tMax: skipSteps, etaMin: 1e-4 } };
      const stack = { hiddenSize: 32, numLayers: 4 };
      const arms: Arm[] = [
        { name: 'LSTM', length: T, model: lstm(), train: adam(1e-2) },
        { name: `Skip LSTM λ ${SKIP_BUDGET}`, length: T, model: lstm(skip), train: skipTrain, steps: skipSteps, noStop: true },
        { name: 'GRU', length: T, model: gru(), train: adam(1e-2) },
        { name: `Skip GRU λ ${SKIP_BUDGET}`, length: T, model: gru(skip), train: skipTrain, steps: skipSteps, noStop: true },
        { name: 'GRU stack, 4 layers', length: stackT, model: gru(stack), train: adam(1e-2) },
        { name: 'dilated GRU stack 1,2,4,8', length: stackT, model: gru({ ...stack, dilations: [1, 2, 4, 8] }), train: adam(1e-2) },
      ];
      if (full) arms.push({ name: 'IRNN', length: T, model: irnn(), train: adam(1e-4) });
      return {
        name, title: full ? `skip connections: the adding problem at T = ${T}` : `skip connections: Skip RNN at T = ${T}, dilated stacks at T = ${stackT}`,
        steps: full ? 10000 : 1500, batchSize: 32,
        description: `Skip RNN cells (Campos et al. 2018) learn to copy their state over steps, with a budget loss λ·Σu_t on the updates they use ("updates" is that fraction on the validation set); a dilated stack (Chang et al. 2017) reads h_{t−d} at layer dilations 1, 2, 4, 8, so a path of ${stackT} steps shrinks to about ${Math.ceil(stackT / 8) + 3} recurrent transitions. Training stops once a model solves the task, except for the Skip RNN models, which train their whole budget (${skipSteps} steps, the learning rate decayed by a cosine) so that the budget loss can thin out their updates.`,
        arms,
      };
    }
  }
}
