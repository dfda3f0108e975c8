// recur's core API, the package's main entry in browsers (and the base of the Node entry,
// src/node/index.ts): build, train, check models, and turn them into bytes and back. Nothing here
// reads files, starts threads or servers, or touches `process`: those are in src/node/.

export { RecurError } from './errors.js';
export { createKernels, loadKernels, describeKernels, kernelsText, JsKernels, WasmKernels, runWasmWorker, type KernelOptions, type KernelKind, type KernelChoice, type KernelSource, type StartWorker, type WasmBinary, type WasmBuilds, type WasmInput, type WorkerHandle, type WorkerData } from './kernels/index.js';
export type { Activation, DType, Float, Kernels } from './kernels/types.js';
export { Rng } from './tensor/rng.js';
export { initMatrix, gainFor, type InitKind } from './tensor/init.js';
export type { Param } from './tensor/param.js';
export { RecurrentStack, type RecurrentConfig, type RecurrentState } from './layers/stack.js';
export { DilatedLayer } from './layers/dilated.js';
export { SkipLayer, type SkipOptions } from './layers/skip.js';
export { Residual } from './layers/residual.js';
export type { TimeLayer } from './layers/time-layer.js';
export type { Seq } from './layers/layer.js';
export { Sequential, type ForwardOptions } from './model/sequential.js';
export { parseModelConfig, type ModelConfig, type InitConfig, type InputConfig } from './model/config.js';
export { truncatedBptt, type ChunkLoss } from './model/truncated.js';
export { sampleTokens, sampleLogits, rollForecast } from './model/sample.js';
export { modelToBytes, modelFromBytes, loadStateDictBytes, type LoadOptions, type LoadedModel } from './model/io.js';
export { encodeSafetensors, decodeSafetensors } from './model/safetensors.js';
export { modelToOnnx, onnxExportProblems, checkOnnxExportable, onnxSignature, ONNX_OPSET, type OnnxSignature } from './model/onnx.js';
export { computeLoss, type LossKind } from './train/losses.js';
export { createOptimizer, SGD, Adam, AdamW, RMSprop, Adagrad, type OptimizerConfig } from './train/optimizers.js';
export { createSchedule, applySchedule, type ScheduleConfig } from './train/schedules.js';
export { clipGradNormInPlace, clipGradValueInPlace, AdaptiveClipper, gradNorm } from './train/clip.js';
export { Trainer, evaluate, type TrainConfig, type TrainResult, type ClipConfig, type TrainCallbacks, type LoopState, type StepInfo, type EvalInfo, type MetricsRecord } from './train/trainer.js';
export { NanGuard, type NanGuardState } from './train/nan-guard.js';
export { checkpointToBytes, restoreCheckpoint, checkpointChecksum, CheckpointMismatch, type CheckpointInfo } from './train/checkpoint.js';
export { Sha256 } from './train/sha256.js';
export { createTask, TextTask, CsvTask, parseCsvColumn, type TaskConfig, type CreateTaskOptions } from './tasks/index.js';
export type { Task, Batch } from './tasks/task.js';
export { gradCheck } from './diagnostics/gradcheck.js';
export { updateFractionOn } from './diagnostics/updates.js';
export { renderReport } from './report/html.js';
export { recordGradFlow, gradFlow, verdict, type GradFlowCurve, type GradFlowVerdict } from './diagnostics/gradflow.js';
export { measureGradFlow, type GradFlowReport } from './diagnostics/measure.js';
export { spectralRadius, largestSingularValue } from './diagnostics/spectral.js';
export { VitalsRecorder, mergeCallbacks, spectralBlocks, type VitalsOptions, type VitalsRecord } from './diagnostics/vitals.js';
export { summarizeVitals, type Vital, type VitalSeries, type VitalsSummary } from './diagnostics/vitals-summary.js';
// The high-level objects on plain data and the tasks they build on (their files: the Node entry).
export { Forecaster, SequenceClassifier, SequenceRegressor, TextModel } from './api/index.js';
export type { EpochInfo, FitCallbacks, FitOptions, FitResult, ForecasterOptions, ForecastScore, GenerateOptions, Label, Labelled, NetworkOptions, SequenceSample, SeriesData, TextModelOptions } from './api/index.js';
export { SeriesTask, type SeriesOptions, type ColumnNorm } from './tasks/arrays.js';
export { SequenceTask, toSequences, type SequenceTaskOptions } from './tasks/sequences.js';
export { LinesTask, splitLines, type LinesOptions } from './tasks/lines.js';
export type { TextOptions } from './tasks/text.js';
export type { CsvOptions } from './tasks/csv.js';
export { parseCsv, numericColumns, type CsvTable, type CsvParseOptions, type CsvDelimiter, type CsvFill } from './tasks/csv-parse.js';
