// TensorFlow.js peers: the pure-JS CPU backend and the wasm SIMD backend (single-threaded).
//
// The same model for both: a tf.layers lstm / gru / simpleRNN layer (recurrentActivation
// 'sigmoid' for the gated cells; tfjs defaults to hardSigmoid), then dense 1 with MSE (or dense
// `classes` with softmax and categorical cross-entropy for workload F), Adam 1e-3.
// A training step is one model.trainOnBatch; inference (workload E) is one model.predict whose
// result is read back, so the timing covers the whole computation.

import type * as TF from '@tensorflow/tfjs';
import type { Workload } from '../workloads.js';
import { normalArray, randomInts } from '../measure.js';
import type { Runner } from './runner.js';

export type TfBackend = 'cpu' | 'wasm';

export async function tfjsRunner(w: Workload, backend: TfBackend): Promise<Runner> {
  const tf: typeof TF = await import('@tensorflow/tfjs');
  const notes: string[] = [];
  const versions: Record<string, string> = { '@tensorflow/tfjs': tf.version.tfjs };

  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The threaded build cannot start in Node (workers from blob: URLs); ask for the SIMD one.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    versions['@tensorflow/tfjs-backend-wasm'] = wasm.version_wasm;
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
    await tf.ready();
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    notes.push(`wasm ${simd ? 'SIMD' : 'without SIMD'}, ${wasm.getThreadsCount()} thread(s) (threaded build does not load in Node)`);
  } else {
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend failed to initialise');
    await tf.ready();
    notes.push('pure-JS CPU backend; very slow on these shapes, so few steps are timed (see policy)');
  }
  if (tf.getBackend() !== backend) throw new Error(`tfjs runs on '${tf.getBackend()}', not '${backend}'`);

  const { inputSize: I, hiddenSize: H, batch: B, length: T } = w;
  const model = tf.sequential();
  // glorotUniform instead of tfjs's default orthogonal recurrent initializer: the orthogonal one
  // runs a QR decomposition that takes over two minutes in the CPU backend for workload D, and
  // the initial values do not change the time of a step.
  const rnnArgs = { units: H, inputShape: [T, I], recurrentInitializer: 'glorotUniform' as const };
  if (w.cell === 'lstm') model.add(tf.layers.lstm({ ...rnnArgs, recurrentActivation: 'sigmoid' }));
  else if (w.cell === 'gru') model.add(tf.layers.gru({ ...rnnArgs, recurrentActivation: 'sigmoid' }));
  else model.add(tf.layers.simpleRNN({ ...rnnArgs, activation: 'tanh' }));

  // tfjs layers are batch-major: x is (B, T, I).
  const x = tf.tensor3d(normalArray(B * T * I, 1), [B, T, I]);
  let y: TF.Tensor;
  if (w.classes) {
    model.add(tf.layers.dense({ units: w.classes, activation: 'softmax' }));
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const labels = tf.tensor1d(randomInts(B, w.classes), 'int32');
    y = tf.oneHot(labels, w.classes).toFloat();
    labels.dispose();
  } else {
    model.add(tf.layers.dense({ units: 1 }));
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
    y = tf.tensor2d(normalArray(B, 2), [B, 1]);
  }

  let step: () => unknown;
  if (w.mode === 'infer') {
    step = () => {
      const out = model.predict(x) as TF.Tensor;
      out.dataSync();
      out.dispose();
    };
  } else {
    step = () => model.trainOnBatch(x, y);
  }

  notes.push('recurrent init glorotUniform (orthogonal QR takes minutes in tfjs-cpu; step time unaffected)');
  return {
    step,
    seqPerStep: B,
    notes,
    versions,
    close: () => {
      x.dispose();
      y.dispose();
      model.dispose();
    },
  };
}
