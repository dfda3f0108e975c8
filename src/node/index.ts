// recur's Node entry (`import ... from 'recur'` in Node, and 'recur/node' anywhere Node runs): the
// whole core, plus what needs Node: model and text files, checkpoint folders, the live dashboard,
// the metrics log, and kernels whose wasm module is read from disk and whose threads are
// worker_threads (so createKernels({ kind: 'auto' }) picks wasm with no further argument).

export * from '../index.js';
// These shadow the core's names of the same functions (an explicit export wins over `export *`).
export { createKernels, createWasmKernels, createWasmKernelsSync, relaxedSimdAvailable, startNodeWorker, wasmBuildsFromDisk } from './kernels.js';
export { createTask, textTaskFromFile, csvTaskFromFile } from './tasks.js';
export { saveModel, loadModel, loadStateDict, saveOnnx, readTextFile, writeFileAtomic, type AtomicFs } from './files.js';
export { Checkpointer, listCheckpoints, checkpointName, assertFresh, type CheckpointOptions, type CheckpointFile } from './checkpoint-dir.js';
export { metricsLog, trimMetricsLog } from './metrics-log.js';
export { Dashboard, type DashboardOptions } from './dashboard.js';
// The high-level objects on Node kernels (src/node/api.ts), and their model files.
export { Forecaster, SequenceClassifier, SequenceRegressor, TextModel } from './api.js';
export { save, load, type AnyModel } from './api-files.js';
