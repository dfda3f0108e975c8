// The pages of the browser bench (run.ts writes them to a temporary folder): workload A timed in
// a recur worker (1 or 2 kernel threads) and in TF.js on the page (wasm backend, WebGL where the
// browser has it). Each page reports through window.benchResult: ms per step, the moment of its
// first training step (epoch ms, against the page's timeOrigin), and notes.

export const TIMING = `
function gauss(seed) { let s = seed >>> 0; const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 4294967296; };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()); }
export function normal(n, seed) { const g = gauss(seed), a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = g(); return a; }
export async function time(step, minMs, minSteps, warm) {
  for (let i = 0; i < warm; i++) await step();
  const ms = []; const t0 = performance.now();
  while (performance.now() - t0 < minMs || ms.length < minSteps) { const a = performance.now(); await step(); ms.push(performance.now() - a); }
  return ms;
}
`;

export const RECUR_WORKER = `import { loadWebKernels, webKernelsText, Sequential, Adam, computeLoss } from '/lib/recur.js';
import { normal, time } from './timing.js';
onmessage = async (e) => {
  const { w, threads, minMs } = e.data;
  try {
    const kernelsAt = performance.timeOrigin + performance.now();
    const kernels = await loadWebKernels({ kind: 'wasm', threads });
    const readyAt = performance.timeOrigin + performance.now();
    const model = new Sequential({ input: { kind: 'features', size: w.inputSize }, cell: 'lstm', hiddenSize: w.hiddenSize, outputMode: 'last', outputSize: 1, dtype: 'float32' }, { kernels, seed: 1 });
    const x = Float64Array.from(normal(w.length * w.batch * w.inputSize, 1));
    const target = Float64Array.from(normal(w.batch, 2));
    const opt = new Adam({ lr: 1e-3 });
    const grad = kernels.alloc(w.batch);
    const step = () => {
      model.zeroGrad();
      const y = model.forward(x, w.length, w.batch, { training: true });
      computeLoss('mse', { pred: y.data, rows: w.batch, cols: 1, target }, grad);
      model.backward({ data: grad, t: 1, b: w.batch, f: 1 });
      opt.step(model.params, 1e-3);
    };
    step();
    const first = performance.timeOrigin + performance.now();
    const ms = await time(step, minMs, 5, 3);
    postMessage({ ms, first, notes: webKernelsText(kernels) + '; worker up ' + (kernelsAt - e.data.origin).toFixed(0) + ' ms, kernels ready ' + (readyAt - e.data.origin).toFixed(0) + ' ms after load' });
  } catch (err) { postMessage({ error: String(err && err.message || err) }); }
};
`;

export const RECUR_PAGE = `import {} from './timing.js';
const q = new URLSearchParams(location.search);
const worker = new Worker('./recur-worker.js', { type: 'module' });
window.benchResult = new Promise((resolve) => { worker.onmessage = (e) => resolve({ ...e.data, origin: performance.timeOrigin }); worker.onerror = (e) => resolve({ error: e.message }); });
worker.postMessage({ w: JSON.parse(q.get('w')), threads: Number(q.get('threads')), minMs: Number(q.get('ms')), origin: performance.timeOrigin });
`;

export const TFJS_PAGE = `import { normal, time } from './timing.js';
const q = new URLSearchParams(location.search);
const w = JSON.parse(q.get('w')), backend = q.get('backend');
window.benchResult = (async () => {
  try {
    if (backend === 'wasm') { tf.wasm.setWasmPaths('/tfjs-wasm/'); tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); }
    if (!(await tf.setBackend(backend))) return { error: backend + ' backend unavailable in this browser' };
    await tf.ready();
    const model = tf.sequential();
    model.add(tf.layers.lstm({ units: w.hiddenSize, inputShape: [w.length, w.inputSize], recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' }));
    model.add(tf.layers.dense({ units: 1 }));
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
    const x = tf.tensor3d(normal(w.batch * w.length * w.inputSize, 1), [w.batch, w.length, w.inputSize]);
    const y = tf.tensor2d(normal(w.batch, 2), [w.batch, 1]);
    const step = () => model.trainOnBatch(x, y);
    await step();
    const first = performance.timeOrigin + performance.now();
    const ms = await time(step, Number(q.get('ms')), 3, 1);
    const notes = backend === 'wasm' ? 'wasm ' + (tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD') + ', ' + tf.wasm.getThreadsCount() + ' thread' : backend;
    return { ms, first, origin: performance.timeOrigin, notes };
  } catch (err) { return { error: String(err && err.message || err) }; }
})();
`;

export const html = (body: string): string => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${body}</head><body></body></html>`;
