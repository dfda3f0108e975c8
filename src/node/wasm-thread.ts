// The entry file of a wasm kernels' worker thread under Node's worker_threads: the thread body is
// the core's runWasmWorker (kernels/wasm-worker.ts).

import { isMainThread, workerData } from 'node:worker_threads';
import { runWasmWorker, type WorkerData } from '../kernels/wasm-worker.js';

if (!isMainThread && (workerData as Partial<WorkerData> | null)?.recurWasmWorker === true) {
  runWasmWorker(workerData as WorkerData);
}
