// The high-level objects on plain data: forecasting series, classifying and regressing sequences,
// character models of texts and items. Each builds an engine model (Sequential) from its data and
// trains it with the engine's Trainer; files are in the Node room (src/node/api-files.ts).

export { Forecaster, type ForecasterOptions, type ForecastScore, type SeriesData } from './forecaster.js';
export { SequenceClassifier, SequenceRegressor, type Label, type Labelled, type SequenceSample } from './sequence-models.js';
export { TextModel, type GenerateOptions, type TextModelOptions } from './text-model.js';
export type { EpochInfo, FitCallbacks, FitOptions, FitResult, NetworkOptions } from './options.js';
export type { RecurrentModel } from './base.js';
