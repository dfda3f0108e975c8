// The high-level objects as the Node entry exports them: the core's classes (src/api/) whose
// kernels, when the options give none, come from the Node room's createKernels: the wasm builds
// read from dist/wasm/ and worker threads, so `new Forecaster()` trains on wasm with no argument.
// fromBytes builds objects of these classes too (it constructs `this`).

import * as core from '../api/index.js';
import type { KernelMaker } from '../api/options.js';
import { createKernels } from './kernels.js';

const nodeKernels: KernelMaker = (o) => createKernels(o);

export class Forecaster extends core.Forecaster {
  static override makeKernels = nodeKernels;
}

export class SequenceClassifier extends core.SequenceClassifier {
  static override makeKernels = nodeKernels;
}

export class SequenceRegressor extends core.SequenceRegressor {
  static override makeKernels = nodeKernels;
}

export class TextModel extends core.TextModel {
  static override makeKernels = nodeKernels;
}
