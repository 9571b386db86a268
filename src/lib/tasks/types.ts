import type { OptionMeta } from '../params/option';
import type { ParamValue } from '../params/param-spec';
import type { Tokenizer } from '../tokenizers/types';
import type { TextSource } from './texts';

/** A token range [start, end) in an instance's `ids`. */
export interface TokenSpan {
	start: number;
	end: number;
	/** `needle`: the evidence sentence; `answer`: the value to copy inside it; `distractor`: a look-alike. */
	kind: 'needle' | 'answer' | 'distractor';
	text: string;
}

export type Scoring = 'exact' | 'all' | 'none';

export interface TaskInstance {
	task: string;
	prompt: string;
	/** Token ids fed to the model: the tokenizer's BOS (when it has one), then the prompt. */
	ids: number[];
	/** The reference values the output must contain. */
	answers: string[];
	/** The continuation a perfect model writes right after the prompt (used for training, too). */
	completion: string;
	/** `exact`: the output must start with the one answer; `all`: every answer must appear. */
	scoring: Scoring;
	needleSpans: TokenSpan[];
	meta: {
		requestedTokens: number;
		tokens: number;
		/** Where the (first) needle actually sits in the haystack, 0–1. */
		depth: number | null;
		[key: string]: unknown;
	};
}

/** Generator input: the experiment's length and depth plus the task's own parameters. */
export interface TaskParams {
	len: number;
	depth: number;
	[name: string]: ParamValue;
}

/**
 * `Loaded` is what a task reads beyond its parameters (a haystack of books, a stored document):
 * too large for the bundle or the link, so fetched by `load` before the synchronous `generate`.
 */
export interface TaskDefinition<Loaded = unknown> extends OptionMeta {
	/** Absent where the task reads nothing; {@link taskInstance} calls it. */
	load?(params: TaskParams, texts: TextSource): Promise<Loaded>;
	/** Throws {@link TaskError} with a clear message for parameters it cannot honour. */
	generate(params: TaskParams, seed: number, tokenizer: Tokenizer, loaded?: Loaded): TaskInstance;
}

export class TaskError extends Error {
	override name = 'TaskError';
}
