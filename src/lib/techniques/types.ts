/**
 * The technique interfaces. Each technique is one object in one file: metadata (from which the
 * controls, the URL codec and the docs are generated) plus one small function.
 */
import type { ModelConfig } from '../engine/config';
import type { Engine } from '../engine/engine';
import type { LayerContext, MaskContext, PositionPlan, SelectionRequest } from '../engine/hooks';
import type { OptionMeta } from '../params/option';
import type { PatternRule } from '../engine/pattern-rule';
import type { ParamValues } from '../params/param-spec';

export interface Paper {
	title: string;
	year: number;
	url: string;
}

export interface TechniqueMeta extends OptionMeta {
	/** The paper the technique implements; baselines have none. */
	paper: Paper | null;
}

/** One attention head's view of one attention call. */
export interface PatternGrid {
	layer: number;
	/** Query head index. */
	head: number;
	config: ModelConfig;
	phase: 'prefill' | 'decode';
	/** Original position of each query row (T). */
	queryPositions: Int32Array;
	/** Original position of each key this head holds (S), ascending. */
	keyPositions: Int32Array;
	/** This head's pre-mask logits [T, S] (scaled as the softmax sees them), computed on demand. */
	scores(): Float32Array;
	/** The same logits for query rows [from, to) only, [to − from, S]: cheaper where a pattern reads a few rows. */
	scoreRows(from: number, to: number): Float32Array;
	/** The layer's sliding window (a query at i sees keys j > i − window), null where it has none. */
	window: number | null;
}

export interface AttentionPattern extends TechniqueMeta {
	/**
	 * Which keys each query may see: 1/0 per [T, S] entry. Entries above the causal diagonal are
	 * ignored (the engine masks them anyway).
	 */
	mask(params: ParamValues, grid: PatternGrid): Uint8Array;
	/**
	 * The same pattern for one head as a rule the GPU kernels evaluate from positions
	 * (pattern-rule.ts), without a [T, S] mask. The conformance suite checks it against `mask`.
	 */
	rule(params: ParamValues, grid: PatternGrid): PatternRule;
	/** True when the mask can differ between heads or depends on the scores. */
	perHead: boolean;
	/**
	 * How many of a call's last T query rows the mask reads the logits of (`scores` when all T,
	 * else `scoreRows`): the engine then computes them ahead, in onnxruntime, not in JavaScript.
	 */
	logitRows?(params: ParamValues, T: number): number;
	/**
	 * Keys a decode query reads per query head, averaged over the heads of `layer` (over every
	 * layer's when none is named), when the cache holds all n tokens (the KV chart's read series,
	 * held per layer to a sliding layer's window). The conformance suite checks it against the mask.
	 */
	decodeReads(params: ParamValues, n: number, config: ModelConfig, layer?: number): number;
	/** Keeps every causal entry (full attention): the engine then runs without a mask at all. */
	keepsAll?: boolean;
	/**
	 * Prefill chunks are cut only at multiples of this many tokens: a pattern that estimates
	 * from whole blocks of queries must see each block in one chunk, or chunking changes it.
	 */
	chunkMultiple?(params: ParamValues): number;
	/** Phases it applies to (MInference's patterns are prefill-only); default both. */
	phases?: readonly ('prefill' | 'decode')[];
	/** A clear reason when the pattern cannot run on this model with these parameters. */
	refuse?(params: ParamValues, config: ModelConfig): string | null;
}

export interface PositionScheme extends TechniqueMeta {
	/** A clear reason when the scheme cannot apply to this model (ALiBi on a RoPE model). */
	refuse(params: ParamValues, config: ModelConfig): string | null;
	/** The positions for one layer's attention call; undefined = the model's own. */
	plan(params: ParamValues, config: ModelConfig, ctx: LayerContext): PositionPlan | undefined;
}

/** Attention statistics a KV scorer can ask the runtime to gather (see kv-runtime.ts). */
export type KvStatistic = 'accumulated' | 'window' | 'lastRowLayer';

/** What a KV scorer sees for one layer and KV head when the cache is compressed. */
export interface ScoreInput {
	layer: number;
	layers: number;
	kvHead: number;
	/** Entries resident now. */
	n: number;
	/** Entries this head keeps. */
	budget: number;
	/** Original position of each entry, ascending. */
	positions: Int32Array;
	/** Un-rotated keys [n, headDim]. */
	keys: Float32Array;
	headDim: number;
	/** Attention each entry received, summed over every observed query and the group's heads. */
	accumulated: Float64Array;
	/** Attention from the last `window` queries of the prefill, summed over them, mean over the group. */
	window: Float64Array;
	/** Attention from the latest query, averaged over every head of the layer (TOVA). */
	lastRowLayer: Float64Array;
	/** What `scoreLogits` accumulated from pre-softmax logits (Keyformer), per entry. */
	custom: Float64Array;
	/** Seeded draws for random baselines. */
	random(): number;
}

/** Where one KV head's budget is asked for. */
export interface BudgetInput {
	/** Entries resident now, and tokens seen so far (the budget's base). */
	n: number;
	seen: number;
	layer: number;
	layers: number;
	kvHead: number;
}

/** Tokens per layer and KV head, on average, at a context of n tokens. */
export interface KvFootprint {
	/** Held in memory. */
	resident: number;
	/** Read by each decode step. */
	read: number;
}

/**
 * A KV policy, as kvpress's presses: an eviction policy is a *scorer*. It names the statistics
 * it needs and scores each resident entry; one shared runtime (kv-runtime.ts) gathers the
 * statistics, asks each KV head's budget, keeps the top-scoring entries, and decides when to
 * compress. Head-budget allocation (AdaKV) and decode-time compression are wrappers
 * (kv/wrappers.ts) over any scorer. A selection policy (Quest) evicts nothing and instead
 * masks what each decode step reads.
 */
export interface KvPolicy extends TechniqueMeta {
	/** Keeps every entry (the full cache): no hooks run, and nothing can conflict with it. */
	keepsAll?: boolean;
	/** Statistics the score reads; the runtime gathers only these. */
	needs: readonly KvStatistic[];
	/** Size of the observation window, for policies that score with the prompt's last queries. */
	windowOf?(params: ParamValues): number;
	/** Entries one KV head keeps; default kvpress's ratio / token budget ({@link budgetFor}). */
	budget?(params: ParamValues, at: BudgetInput): number;
	/** Per-entry scores, higher = keep; ties go to the earlier entry. Entries it must keep score +∞. */
	score?(params: ParamValues, input: ScoreInput): Float64Array;
	/** Splits a layer's budgets (each may exceed what its head holds) between its KV heads (AdaKV); default: each head its own top `budgets[h]`. */
	allocate?(params: ParamValues, scores: Float64Array[], budgets: number[]): number[][];
	/** Whether to compress after this decode step (after prefill it always does); default never. */
	compressesAt?(params: ParamValues, step: number): boolean;
	/**
	 * Adds to `custom` from one head's pre-softmax logits for one query (over the head's entries);
	 * `step` counts decode steps (0 during prefill).
	 */
	scoreLogits?(params: ParamValues, logits: Float32Array, step: number, random: () => number): Float64Array;
	/** Selection at decode time: which resident entries each head reads (nothing is evicted). */
	decodeMask?(params: ParamValues, ctx: MaskContext): { mask: Uint8Array; perHead: boolean } | undefined;
	/** The same selection as a request the GPU kernels compute (kernels/select.ts); undefined where `decodeMask` gives none. */
	decodeSelection?(params: ParamValues, ctx: LayerContext): SelectionRequest | undefined;
	/** Resident and read tokens at context n, when the budgets alone do not say (selection policies). */
	footprint?(params: ParamValues, n: number, config: ModelConfig): KvFootprint;
}

/** One pruning stage: after `afterLayer`, only `keepShare` of the prunable prompt tokens continue. */
export interface PruneStage {
	afterLayer: number;
	keepShare: number;
}

export interface TokenPruner extends TechniqueMeta {
	/** The stages, validated against the model (a layer it does not have is refused). */
	stages(params: ParamValues, config: ModelConfig): PruneStage[];
	/**
	 * How tokens are ranked: by the attention the last token gives them, averaged over heads
	 * (FastV, PyramidDrop), or by its pre-softmax scores summed over heads and pooled, after which
	 * the model re-runs on the kept tokens alone (GemFilter).
	 */
	ranking: 'attention' | 'filter-and-rerun';
	/**
	 * A pass of its own over the prompt before the run (GemFilter): the indices of the prompt
	 * tokens the run then reads, and how many layers the pass read.
	 */
	firstPass?(engine: Engine, ids: number[], params: ParamValues, chunkSize?: number): Promise<{ kept: number[]; layersRead: number }>;
	/** Prompt tokens each layer's cache holds after an n-token prompt (the KV chart's resident series). */
	heldTokens(params: ParamValues, config: ModelConfig, n: number): number[];
	/** Whether pruned tokens may come back at decode steps (LazyLLM); they then cannot share the cache with an eviction policy. */
	revives?(params: ParamValues): boolean;
	refuse?(params: ParamValues, config: ModelConfig): string | null;
}
