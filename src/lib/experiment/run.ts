/**
 * Running an experiment: generate the task's prompt with the model's tokenizer, run the engine,
 * score the continuation. The same function serves the worker, the CLI and the notebooks.
 */
import type { Engine } from '../engine/engine';
import { generate, type Generation } from '../engine/generate';
import { parameterCount, type ModelConfig } from '../engine/config';
import { planContext, wasmLimits, type ModelMemory } from '../engine/memory-plan';
import type { Progress } from '../engine/engine';
import { findTask } from '../tasks/registry';
import { taskInstance } from '../tasks/instance';
import { scoreOutput } from '../tasks/score';
import type { TokenSpan } from '../tasks/types';
import { ablationHooks, type HeadRef } from '../probes/ablation';
import { attentionMapCollector, type AttentionMap, type MapCapture } from '../probes/attention-map';
import { headPatternCollector, type HeadPattern } from '../probes/head-patterns';
import { headStatsCollector, type HeadStats } from '../probes/heads';
import { meanKlDivergence, meanNextTokenNll } from '../analysis/kl';
import { copiedSpans, retrievalScores } from '../analysis/retrieval';
import { topKeyCollector } from '../probes/top-keys';
import { composeHooks } from '../engine/compose';
import type { Hooks } from '../engine/hooks';
import { pruningReport, tokenCounter, type PruningReport } from '../techniques/prune-hooks';
import { attentionPatterns, positionSchemes, tokenPruners } from '../techniques/registry';
import { refusals, report, techniqueHooks, type PatternReport, type PatternStats } from './technique-hooks';
import { tokenizerFor, type Tokenizer } from '../tokenizers';
import { experimentHash } from './hash';
import type { Experiment } from './schema';
import { defaultValues } from '../params/param-spec';
import type { OptionMeta } from '../params/option';

export interface RunOptions {
	/** Default: the expected answer's length plus a little, or 32 for free text. */
	maxNewTokens?: number;
	chunkSize?: number;
	onProgress?: (progress: Progress) => void;
	cancelled?: () => boolean;
	yieldToEvents?: () => Promise<void>;
	/** Also measure the pattern's attention-mass recall (costs a dense score pass per layer). */
	measureRecall?: boolean;
	/** Also gather per-head statistics, the retrieval-head score and the KL to full attention. */
	analyze?: boolean;
	/** Query heads [layer, head] knocked out (they attend only to the first token). */
	maskHeads?: HeadRef[];
	/**
	 * Keep one head's attention map for the heatmap: pooled over the whole run, at full resolution
	 * near its end and over `region` (a zoom the reader asked to see cell for cell).
	 */
	capture?: MapCapture;
	/** The model's own tokenizer (a hub model's tokenizer.json); the one its config declares by default. */
	tokenizer?: Tokenizer | null;
}

/** Prompt positions whose next-token distributions the KL to full attention averages. */
const KL_POSITIONS = 64;

export type { AttentionMap };

export interface HeadAnalysis extends HeadStats {
	/** This sample's retrieval score per [layer][head] (Wu et al.), null without a needle. */
	retrieval: number[][] | null;
	/**
	 * KL(full ‖ this run) of the next-token distributions, averaged over the last 64 prompt
	 * positions (those both runs computed): the very next token alone is often near-certain.
	 */
	klToFull: number;
	/** Mean NLL (nats) of the prompt's own next tokens over the same positions, with the techniques. */
	nll: number;
	/** Which MInference shape fits each head best (prompts up to 1 024 tokens). */
	patterns: HeadPattern[][] | null;
}

export interface RunResult {
	experiment: Experiment;
	hash: string;
	model: {
		id: string;
		parameters: number;
		executionProvider: string;
		/** The run's attention calls by the path they took (attention-path.ts). */
		attentionCalls?: { kernels: number; onnxruntime: number; kernelsOff?: string };
	};
	prompt: string;
	promptTokens: number;
	/** The token ids the model read (after GemFilter's selection, when it ran). */
	promptIds: number[];
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
	pruning: PruningReport;
	heads?: HeadAnalysis;
	map?: AttentionMap;
}

export class RunError extends Error {
	override name = 'RunError';
}

/**
 * Refuses, before running, a context that runs past the positions a model learned or that the
 * memory plan cannot fit (the KV cache, a chunk's attention, beside the loaded model's weights:
 * `memory`, or the context alone in a browser tab); picks a prefill chunk that fits.
 */
export function planMemory(config: ModelConfig, promptTokens: number, newTokens: number, chunkSize?: number, memory: ModelMemory = { config, weights: null, limits: wasmLimits() }) {
	const tokens = promptTokens + newTokens;
	// The last new token is never fed back: positions 0 … tokens − 2 run.
	if (config.positionEncoding === 'learned' && tokens - 1 > config.maxPositions) {
		throw new RunError(
			`This model learned positions for ${config.maxPositions} tokens (n_positions); a ${promptTokens}-token prompt and up to ${newTokens} new tokens run past them. Choose a length of at most ${config.maxPositions - newTokens + 1} tokens.`
		);
	}
	const plan = planContext(memory, tokens, promptTokens, chunkSize);
	if ('refusal' in plan) throw new RunError(plan.refusal);
	return plan.chunk;
}

/** A prefill chunk cut at a multiple of `multiple` tokens (at least one multiple), so no block is split. */
export function alignChunk(chunkSize: number, multiple = 1): number {
	return Math.max(multiple, chunkSize - (chunkSize % multiple));
}

/**
 * Whether the experiment's prompt pass is full attention's: only patterns, position schemes and
 * token pruners change what the prefill computes (KV policies act after it, or in decode).
 */
function prefillAsFull(experiment: Experiment): boolean {
	// The first option of each registry is the default, which leaves the model as it is.
	const asDefault = (choice: Experiment['attn'], option: OptionMeta) => choice.id === option.id && JSON.stringify(choice.params) === JSON.stringify(defaultValues(option.params));
	return asDefault(experiment.attn, attentionPatterns[0]) && asDefault(experiment.pos, positionSchemes[0]) && asDefault(experiment.prune, tokenPruners[0]);
}

export async function runExperiment(engine: Engine, experiment: Experiment, options: RunOptions = {}): Promise<RunResult> {
	const tokenizer = options.tokenizer ?? tokenizerFor(engine.config);
	if (!tokenizer) throw new RunError(`Model "${experiment.model}" has no tokenizer the lab can use (no tokenizer.json), so its prompts cannot be written.`);
	const refused = refusals(experiment, engine.config);
	if (refused.length > 0) throw new RunError(refused.join(' '));
	const callsBefore = engine.attentionCalls;
	const task = findTask(experiment.task.id);
	if (!task) throw new RunError(`Unknown task "${experiment.task.id}".`);
	const instance = await taskInstance(task, { len: experiment.len, depth: experiment.depth, ...experiment.task.params }, experiment.seed, tokenizer);

	const expectedTokens = tokenizer.encode(instance.completion).length;
	const maxNewTokens = options.maxNewTokens ?? (instance.scoring === 'none' ? 32 : expectedTokens + 4);
	const newline = tokenizer.encode('\n');
	const stopAtNewline = instance.scoring !== 'none' && newline.length === 1;
	const pattern = attentionPatterns.find((p) => p.id === experiment.attn.id);
	const chunkSize = alignChunk(planMemory(engine.config, instance.ids.length, maxNewTokens, options.chunkSize, engine.memory), pattern?.chunkMultiple?.(experiment.attn.params));
	const stats: PatternStats = { causal: 0, kept: 0, massKept: 0, rows: 0 };
	const { layers, heads, kvHeads } = engine.config;
	const headStats = options.analyze ? headStatsCollector(layers, heads) : null;
	const topKeys = options.analyze ? topKeyCollector(layers, heads) : null;
	// Shape fitting costs a few masks per head: only for prompts a classroom projector shows whole.
	const shapes = options.analyze && instance.ids.length <= 1024 ? headPatternCollector(engine.config) : null;
	const techniques = techniqueHooks(experiment, stats, { measureRecall: options.measureRecall, config: engine.config });
	const counter = tokenCounter(layers);
	let residentKeys: number[] | undefined;
	let ids = instance.ids;
	const firstPass = tokenPruners.find((p) => p.id === experiment.prune.id)?.firstPass;
	if (firstPass) {
		// The first pass reads every token up to its layer; the model then reads the kept ones.
		const { kept, layersRead } = await firstPass(engine, ids, experiment.prune.params, chunkSize);
		for (let l = 0; l < layersRead; l++) counter.tokensPerLayer[l] += ids.length;
		ids = kept.map((i) => instance.ids[i]);
	}
	// The map spans the tokens the model reads and those it feeds back (never the last one generated).
	const span = { positions: ids.length + Math.max(0, maxNewTokens - 1), decodeFrom: ids.length };
	const mapCollector = options.capture ? attentionMapCollector(options.capture, heads / kvHeads, span) : null;
	const generation = await generate(engine, ids, {
		maxNewTokens,
		// The analysis compares the last prompt positions' next-token distributions (KL to full).
		lastLogits: options.analyze ? KL_POSITIONS : 1,
		hooks: composeHooks(techniques, counter.hooks, ablationHooks(options.maskHeads ?? [], heads), mapCollector?.hooks ?? {}, headStats?.hooks ?? {}, topKeys?.hooks ?? {}, shapes?.hooks ?? {}),
		chunkSize,
		onProgress: options.onProgress,
		cancelled: options.cancelled,
		yieldToEvents: options.yieldToEvents,
		stop: (tokens) => {
			const last = tokens[tokens.length - 1];
			return last === tokenizer.eos || (stopAtNewline && last === newline[0]);
		},
		inspect: (seq) => {
			if (!options.capture) return;
			const head = seq.cache.head(options.capture.layer, Math.floor(options.capture.head / (heads / kvHeads)));
			residentKeys = Array.from(head.positions.subarray(0, head.length));
		}
	});
	const captured = mapCollector?.result();
	const map = captured && { ...captured, residentKeys };
	const output = tokenizer.decode(generation.tokens);
	const score = scoreOutput(instance, output);
	let analysis: HeadAnalysis | undefined;
	if (headStats && topKeys) {
		const copied = copiedSpans(instance.needleSpans);
		const compared = { ...options, chunkSize, lastLogits: KL_POSITIONS };
		const prefill = async (hooks: Hooks) => {
			const seq = engine.sequence(hooks);
			const logits = await seq.prefill(instance.ids, compared);
			return { logits, positions: seq.logitPositions };
		};
		// The run's own prefill gave these logits, unless head ablation or a first pass changed what it read.
		const patterned =
			(options.maskHeads ?? []).length === 0 && ids === instance.ids
				? generation.prefill
				: // Fresh hooks: the run's own hold state (statistics, policy scores) that must not change.
					await prefill(techniqueHooks(experiment, { causal: 0, kept: 0, massKept: 0, rows: 0 }, { config: engine.config }));
		const full = prefillAsFull(experiment) ? patterned : await prefill({});
		analysis = {
			...headStats.result(),
			retrieval: copied.length > 0 && ids === instance.ids ? retrievalScores(topKeys.steps, generation.tokens, [...instance.ids, ...generation.tokens], copied) : null,
			klToFull: meanKlDivergence(full, patterned, engine.config.vocabSize),
			nll: meanNextTokenNll(patterned, instance.ids, engine.config.vocabSize),
			patterns: shapes?.result() ?? null
		};
	}
	return {
		experiment,
		hash: experimentHash(experiment),
		model: {
			id: experiment.model,
			parameters: parameterCount(engine.config),
			executionProvider: engine.executionProvider,
			attentionCalls: { ...engine.attentionCalls, kernels: engine.attentionCalls.kernels - callsBefore.kernels, onnxruntime: engine.attentionCalls.onnxruntime - callsBefore.onnxruntime }
		},
		prompt: instance.prompt,
		promptTokens: instance.ids.length,
		promptIds: ids,
		needleSpans: instance.needleSpans,
		expected: instance.completion,
		output,
		tokens: generation.tokens,
		...score,
		timings: generation.timings,
		kv: generation.kv,
		attention: report(stats),
		pruning: pruningReport(counter.tokensPerLayer, instance.ids.length),
		...(analysis ? { heads: analysis } : {}),
		...(map ? { map } : {})
	};
}
