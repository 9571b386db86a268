/** The engine's errors, apart from the engine itself, so that pages can raise them without loading onnxruntime. */
export class EngineError extends Error {
	override name = 'EngineError';
}

export class CancelledError extends Error {
	override name = 'CancelledError';
	constructor() {
		super('The run was cancelled.');
	}
}

/** A config.json the engine cannot run, naming the field (config.ts, rope-config.ts). */
export class ConfigError extends Error {
	override name = 'ConfigError';
}
