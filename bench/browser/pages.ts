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

// Workload A through the library's training API: startTraining (dist/web/training.js, what a
// bundler keeps of recur/web for a page that only trains) with the data as labelled
// sequences (regression, as SequenceRegressor takes them), vital signs and gradient flow on (as
// the studio trains). The first step is when the page hears of it (the first progress event); the
// worker's marks (RunInfo.timing) say where the time before it went.
export const TRAINING_PAGE = `import { startTraining, preloadTraining } from '/lib/training.js';
import { normal } from './timing.js';
const q = new URLSearchParams(location.search);
// preload=1: the page starts the worker first (preloadTraining), then makes its data
if (q.get('preload')) preloadTraining({ threads: Number(q.get('threads')) || 'auto', warmUp: q.get('preload') !== 'cold' });
let settle;
window.benchResult = new Promise((r) => { settle = r; });
// idle=ms: the page waits before making its data (as for a fetch, or a user's click)
if (q.get('idle')) await new Promise((r) => setTimeout(r, Number(q.get('idle'))));
const w = JSON.parse(q.get('w')), minMs = Number(q.get('ms'));
// fetch=1: the data comes from the server as JSON (data.json, written by run.ts), as a page's would;
// else the page makes it
const fetched = q.get('fetch') ? await (await fetch('./data.json')).json() : null;
const n = 2 * w.batch, xs = fetched ? null : normal(n * w.length * w.inputSize, 1), ys = fetched ? fetched.y : normal(n, 2);
const x = fetched ? fetched.x : q.get('task') === 'adding' ? null : Array.from({ length: n }, (_, i) => Array.from({ length: w.length }, (_, t) => Array.from(xs.subarray((i * w.length + t) * w.inputSize, (i * w.length + t + 1) * w.inputSize))));
const calledAt = performance.now();
// task=adding: the adding problem of the same length instead (2 features), for builds without array data
const task = q.get('task') === 'adding' ? { kind: 'adding', length: w.length } : { kind: 'regress', x, y: Array.from(ys) };
const run = startTraining({ task, threads: Number(q.get('threads')) || 'auto',
  model: { cell: 'lstm', hiddenSize: w.hiddenSize }, train: { steps: 100000, batchSize: w.batch, seed: 1, optimizer: { kind: 'adam', lr: 1e-3 }, evalEvery: 100000 } });
settle(new Promise((resolve) => {
  let info = null, first = null, t0 = 0;
  const seconds = [];
  run.on('ready', (e) => { info = e.info; });
  run.on('progress', (e) => {
    if (first === null && e.steps.length) { first = performance.timeOrigin + performance.now(); t0 = performance.now(); }
    for (const s of e.steps) seconds.push(s.seconds);
    if (first !== null && performance.now() - t0 > minMs) run.stop();
  });
  run.on('error', (e) => resolve({ error: e.message }));
  run.done.then(() => {
    const ms = seconds.slice(4).map((s, i) => 1000 * (s - seconds[i + 3]));
    const o = performance.timeOrigin, tm = info.timing, at = (x) => (x - o).toFixed(0);
    run.terminate();
    const marks = tm ? ', worker module run ' + at(tm.loaded) + ', start received ' + at(tm.start) + ', task ' + at(tm.task) + ', kernels ' + at(tm.kernels) + ', model ' + at(tm.model) : '';
    const nav = performance.getEntriesByType('navigation')[0], lib = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/lib/training.js'));
    const page = 'page received ' + nav.responseEnd.toFixed(0) + ', training.js received ' + (lib ? lib.responseEnd.toFixed(0) : '?');
    resolve({ ms, first, origin: o, fromCall: first - o - calledAt, notes: info.kernelsText + (info.preloaded ? ', preloaded' : '') + '; ' + page + ', startTraining at ' + calledAt.toFixed(0) + marks + ' ms after load' });
  }, (err) => resolve({ error: String(err && err.message || err) }));
}));
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
