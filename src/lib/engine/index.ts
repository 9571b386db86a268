export { Engine, EngineError, CancelledError, Sequence, type ExecutionProvider, type Progress } from './engine';
export { generate, type Generation, type GenerateOptions, type Sampling } from './generate';
export { parseConfig, parameterCount, kvBytesPerToken, ConfigError, type ModelConfig } from './config';
export type { Hooks } from './hooks';
export { fetchModel, readModelFiles, ModelFilesError, type ModelFiles } from './model-files';
