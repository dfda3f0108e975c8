// recur export: a saved model as an ONNX file (src/model/onnx.ts), for ONNX Runtime and friends.

import { loadModel, saveOnnx } from '../../node/files.js';
import { ONNX_OPSET, onnxSignature } from '../../model/onnx.js';
import { RUNTIME_OPTIONS, UsageError, parse, str } from '../args.js';

export const EXPORT_HELP = `recur export --model FILE --onnx OUT.onnx [--json]

Writes a model saved by recur train --save as an ONNX file (opset ${ONNX_OPSET}, float32) that runs
ONNX's own RNN, LSTM and GRU operators. Input "input": (T, B, I) float32 time-major, or (T, B)
int64 token ids for text models; output "output": (T, B, O), or (1, B, O) for models that read
the last step. Every sequence runs all T steps (no sequence lengths); states start at zero.
Models with skip connections, dilations or residual connections are refused.`;

export function exportCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...RUNTIME_OPTIONS, model: { type: 'string' }, onnx: { type: 'string' } });
  if (v.help) { console.log(EXPORT_HELP); return 0; }
  const file = str(v, 'model');
  if (!file) throw new UsageError('--model: expected a model file saved by recur train --save');
  const out = str(v, 'onnx');
  if (!out) throw new UsageError('--onnx: expected the ONNX file to write, e.g. --onnx model.onnx');
  const { model } = loadModel(file);
  const bytes = saveOnnx(model, out);
  const sig = onnxSignature(model.config);
  const shape = (s: (number | string)[]): string => `(${s.join(', ')})`;
  if (v.json) {
    console.log(JSON.stringify({ onnx: out, bytes, opset: ONNX_OPSET, input: sig.input, output: sig.output }));
  } else {
    console.log(`wrote ${out} (${bytes} bytes, ONNX opset ${ONNX_OPSET}): input "${sig.input.name}" ${sig.input.type} ${shape(sig.input.shape)} → output "${sig.output.name}" ${sig.output.type} ${shape(sig.output.shape)}`);
  }
  return 0;
}
