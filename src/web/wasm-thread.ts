// The entry of a wasm kernels' thread in a page: a module Web Worker that receives its WorkerData
// (the compiled module and the shared WebAssembly.Memory) in one message and runs the core's
// runWasmWorker, which spins or sleeps on the job block and never returns until told to exit.

import { runWasmWorker, type WorkerData } from '../kernels/wasm-worker.js';

const scope = self as unknown as { onmessage: ((e: MessageEvent<WorkerData>) => void) | null };
scope.onmessage = (e) => {
  scope.onmessage = null;
  if (e.data?.recurWasmWorker === true) runWasmWorker(e.data);
};
