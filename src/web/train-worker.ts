// The entry of the training worker (a module Web Worker started by training.ts): commands in,
// events out (protocol.ts), the run itself in session.ts. Uncaught errors and rejections are
// reported as error events too, so the page always hears why a run ended.

import type { WorkerCommand, WorkerEvent } from './protocol.js';
import { WebSession, errorMessage } from './session.js';

interface Scope {
  postMessage(m: WorkerEvent, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<WorkerCommand>) => void) | null;
  addEventListener(type: 'error' | 'unhandledrejection', f: (e: ErrorEvent | PromiseRejectionEvent) => void): void;
}

const scope = self as unknown as Scope;
const session = new WebSession((e, transfer) => scope.postMessage(e, transfer ?? []));
scope.onmessage = (e) => { void session.command(e.data); };
scope.addEventListener('error', (e) => { e.preventDefault(); scope.postMessage({ type: 'error', message: errorMessage((e as ErrorEvent).error ?? (e as ErrorEvent).message) }); });
scope.addEventListener('unhandledrejection', (e) => { e.preventDefault(); scope.postMessage({ type: 'error', message: errorMessage((e as PromiseRejectionEvent).reason) }); });
