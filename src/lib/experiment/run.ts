/**
 * Running an experiment: generate the task's prompt with the model's tokenizer, run the engine,
 * score the continuation. The same function serves the worker, the CLI and the notebooks.
 */
import type { Engine } from '../engine/engine';
import { generate, type Generation } from '../engine/generate';
import { parameterCount } from '../engine/config';
import type { Progress } from '../engine/engine';
import { findTask } from '../tasks/registry';
import { scoreOutput } from '../tasks/score';
import type { TokenSpan } from '../tasks/types';
import { refusals, report, techniqueHooks, type PatternReport, type PatternStats } from '../techniques/hooks';
import { tokenizerFor } from '../tokenizers';
import { experimentHash } from './hash';
import type { Experiment } from './schema';

export interface RunOptions {
	/** Default: the expected answer's length plus a little, or 32 for free text. */
	maxNewTokens?: number;
	chunkSize?: number;
	onProgress?: (progress: Progress) => void;
	cancelled?: () => boolean;
	yieldToEvents?: () => Promise<void>;
	/** Also measure the pattern's attention-mass recall (costs a dense score pass per layer). */
	measureRecall?: boolean;
}

export interface RunResult {
	experiment: Experiment;
	hash: string;
	model: { id: string; parameters: number; executionProvider: string };
	prompt: string;
	promptTokens: number;
	needleSpans: TokenSpan[];
	expected: string;
	output: string;
	tokens: number[];
	scored: boolean;
	correct: boolean;
	partial: number;
	timings: Generation['timings'];
	kv: Generation['kv'];
	attention: PatternReport;
}

export class RunError extends Error {
	override name = 'RunError';
}

export async function runExperiment(engine: Engine, experiment: Experiment, options: RunOptions = {}): Promise<RunResult> {
	const tokenizer = tokenizerFor(engine.config);
	if (!tokenizer) throw new RunError(`Model "${experiment.model}" has no tokenizer the lab can use yet, so its prompts cannot be written.`);
	const refused = refusals(experiment, engine.config);
	if (refused.length > 0) throw new RunError(refused.join(' '));
	const task = findTask(experiment.task.id);
	if (!task) throw new RunError(`Unknown task "${experiment.task.id}".`);
	const instance = task.generate({ len: experiment.len, depth: experiment.depth, ...experiment.task.params }, experiment.seed, tokenizer);

	const expectedTokens = tokenizer.encode(instance.completion).length;
	const maxNewTokens = options.maxNewTokens ?? (instance.scoring === 'none' ? 32 : expectedTokens + 4);
	const newline = tokenizer.encode('\n');
	const stopAtNewline = instance.scoring !== 'none' && newline.length === 1;
	const stats: PatternStats = { causal: 0, kept: 0, massKept: 0, rows: 0 };
	const generation = await generate(engine, instance.ids, {
		maxNewTokens,
		hooks: techniqueHooks(experiment, stats, { measureRecall: options.measureRecall, config: engine.config }),
		chunkSize: options.chunkSize,
		onProgress: options.onProgress,
		cancelled: options.cancelled,
		yieldToEvents: options.yieldToEvents,
		stop: (tokens) => {
			const last = tokens[tokens.length - 1];
			return last === tokenizer.eos || (stopAtNewline && last === newline[0]);
		}
	});
	const output = tokenizer.decode(generation.tokens);
	const score = scoreOutput(instance, output);
	return {
		experiment,
		hash: experimentHash(experiment),
		model: { id: experiment.model, parameters: parameterCount(engine.config), executionProvider: engine.executionProvider },
		prompt: instance.prompt,
		promptTokens: instance.ids.length,
		needleSpans: instance.needleSpans,
		expected: instance.completion,
		output,
		tokens: generation.tokens,
		...score,
		timings: generation.timings,
		kv: generation.kv,
		attention: report(stats)
	};
}
