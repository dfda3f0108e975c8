// The entry of a wasm kernels' thread in a page: a module Web Worker that receives its WorkerData
// (the compiled module and the shared WebAssembly.Memory) in one message and runs the core's
// runWasmWorker, which spins or sleeps on the job block and never returns until told to exit.
// Started by the kernels (kernels.ts), it gets the data directly; started by the page ahead of the
// kernels (training.ts), it first gets a channel's end, and the data comes through it (nothing
// else: then it was not needed, and ends).

import { runWasmWorker, type WorkerData } from '../kernels/wasm-worker.js';

type Message = WorkerData | { recurWasmPort: MessagePort } | null;
const scope = self as unknown as { onmessage: ((e: MessageEvent<Message>) => void) | null; close(): void };
const run = (d: Message): void => {
  if (d !== null && typeof d === 'object' && 'recurWasmWorker' in d && d.recurWasmWorker === true) runWasmWorker(d);
  scope.close();
};
scope.onmessage = (e) => {
  scope.onmessage = null;
  const d = e.data;
  if (d !== null && typeof d === 'object' && 'recurWasmPort' in d && d.recurWasmPort instanceof MessagePort) {
    const port = d.recurWasmPort;
    port.onmessage = (m: MessageEvent<Message>) => { port.onmessage = null; port.close(); run(m.data); };
  } else {
    run(d);
  }
};
