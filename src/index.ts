// recur's public API. Everything a program needs to build, train, check, save and load models.

export { RecurError } from './errors.js';
export { createKernels, JsKernels } from './kernels/index.js';
export type { Activation, DType, Float, Kernels } from './kernels/types.js';
export { Rng } from './tensor/rng.js';
export { initMatrix, gainFor, type InitKind } from './tensor/init.js';
export type { Param } from './tensor/param.js';
export { RecurrentStack, type RecurrentConfig, type RecurrentState } from './layers/stack.js';
export type { Seq } from './layers/layer.js';
export { Sequential, type ForwardOptions } from './model/sequential.js';
export { parseModelConfig, type ModelConfig, type InitConfig, type InputConfig } from './model/config.js';
export { truncatedBptt, type ChunkLoss } from './model/truncated.js';
export { sampleTokens, sampleLogits, rollForecast } from './model/sample.js';
export { saveModel, loadModel, modelToBytes, modelFromBytes, writeFileAtomic, type AtomicFs } from './model/io.js';
export { encodeSafetensors, decodeSafetensors } from './model/safetensors.js';
export { computeLoss, type LossKind } from './train/losses.js';
export { createOptimizer, SGD, Adam, AdamW, RMSprop, Adagrad, type OptimizerConfig } from './train/optimizers.js';
export { createSchedule, applySchedule, type ScheduleConfig } from './train/schedules.js';
export { clipGradNormInPlace, clipGradValueInPlace, AdaptiveClipper, gradNorm } from './train/clip.js';
export { Trainer, evaluate, type TrainConfig, type TrainResult, type ClipConfig, type TrainCallbacks, type LoopState, type StepInfo, type EvalInfo } from './train/trainer.js';
export { NanGuard, type NanGuardState } from './train/nan-guard.js';
export { checkpointToBytes, restoreCheckpoint, checkpointChecksum, CheckpointMismatch, type CheckpointInfo } from './train/checkpoint.js';
export { Checkpointer, listCheckpoints, checkpointName, assertFresh, type CheckpointOptions, type CheckpointFile } from './train/checkpoint-dir.js';
export { createTask, type TaskConfig } from './tasks/index.js';
export type { Task, Batch } from './tasks/task.js';
export { gradCheck } from './diagnostics/gradcheck.js';
export { renderReport } from './report/html.js';
