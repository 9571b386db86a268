/** What the page and the engine worker say to each other. */
import type { Generation } from '../engine/generate';
import type { ExecutionProvider, Progress } from '../engine/engine';
import type { ModelConfig } from '../engine/config';
import type { ModelFiles } from '../engine/model-files';
import type { Experiment } from '../experiment/schema';
import type { RunOptions, RunResult } from '../experiment/run';
import type { GridCell } from '../experiment/needle-grid';

/** A bundled model by URL, the user's files, or a hub model already in this browser's cache (read there by the worker). */
export type ModelSource = { url: string } | { files: ModelFiles } | { hub: { repo: string; commit: string } };

export interface ModelSummary {
	config: ModelConfig;
	parameters: number;
	kvBytesPerToken: number;
	executionProvider: string;
	/** The tokenizer runs write prompts with (`bytes`, or a hub model's repo), null where the model brought none. */
	tokenizer: string | null;
	/** onnxruntime-web's version, recorded with every exported result. */
	ortVersion: string;
}

export interface TextGeneration extends Generation {
	/** Decoded text, when the model has a tokenizer. */
	text: string | null;
}

export interface EngineApi {
	load(source: ModelSource, executionProvider: ExecutionProvider, onProgress: (p: Progress) => void): Promise<ModelSummary>;
	/** Generates from text (models with a tokenizer) or from token ids. */
	generate(prompt: string | number[], maxNewTokens: number, onProgress: (p: Progress) => void): Promise<TextGeneration>;
	run(experiment: Experiment, options: Pick<RunOptions, 'analyze' | 'capture' | 'measureRecall' | 'maskHeads'>, onProgress: (p: Progress) => void): Promise<RunResult>;
	/** Accuracy over lengths × depths, `samples` seeds per cell. */
	grid(experiment: Experiment, lengths: number[], depths: number[], samples: number, onProgress: (p: Progress) => void): Promise<GridCell[]>;
	/** Asks the running job to stop at its next layer boundary. */
	cancel(): void;
}
