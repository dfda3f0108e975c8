// recur for web pages (the package's `recur/web` entry): the whole core, plus the wasm kernels
// loaded from a URL, bytes or a module with Web Worker threads (kernels.ts), and training in a
// Web Worker with events (training.ts). Nothing here imports Node.

export * from '../index.js';
export { loadWebKernels, webWorkerStarter, threadsPossible, webKernelsText, compileWebKernels, type WebKernelOptions, type WasmFrom, type CompiledKernels } from './kernels.js';
export { startTraining, preloadTraining, type TrainingRun, type TrainingOptions, type PreloadOptions } from './training.js';
export type { TrainingSpec, TaskSpec, ModelSpec, RunInfo, RunResult, WorkerEvent, WorkerCommand } from './protocol.js';
export { MAX_RUN_BYTES, runBytes } from './limits.js';
