/**
 * The engine's extension points. Techniques plug in here; the engine holds no technique logic.
 * All positions are original token positions (0-based) unless a hook says otherwise.
 */
import type { ModelConfig } from './config';
import { EngineError } from './errors';
import type { KvCache } from './kv-cache';
import type { PatternRule } from './pattern-rule';

export interface LayerContext {
	config: ModelConfig;
	layer: number;
	phase: 'prefill' | 'decode';
	/** Original position of each query row of this call. */
	queryPositions: Int32Array;
	/** Original position of each key slot, per KV head (slot order = cache order). */
	keyPositions: Int32Array[];
	/** Key slots in the attention call (the longest head's length; shorter heads are padded). */
	slots: number;
	/**
	 * Every row of this prefill or decode call at this layer, of which these query rows are a
	 * chunk starting at `rowOffset`: a long prompt attends in chunks. Hooks that look at the
	 * prompt's last rows or its length use these, never the chunk.
	 */
	callPositions: Int32Array;
	rowOffset: number;
	/**
	 * The layer's own sliding window (block.ts): a query at i sees only keys j > i − window; null
	 * where the layer sees every earlier key. The engine applies it whatever the hooks' masks say.
	 */
	window: number | null;
}

/** The positions one branch of attention encodes (by rotation, or by ALiBi's distances). */
export interface PositionBranch {
	/** Position of each query row; leave out to use the original positions. */
	query?: Float64Array;
	/** Position of each key slot of a KV head; leave out to use the original positions. */
	keys?: (kvHead: number, original: Int32Array) => Float64Array;
}

/**
 * How one attention call encodes positions. A hook's plan changes what it names; what it leaves
 * out stays the model's own (engine/positions.ts: RoPE's frequencies, ALiBi's slopes).
 */
export interface PositionPlan extends PositionBranch {
	/** Rotary frequencies θ_i; a model without RoPE has none, and nothing is rotated. */
	invFreq?: Float64Array;
	/**
	 * ALiBi, one slope per query head: head h's logit for a query at position q and a key at k
	 * gets −slopes[h]·(q − k), by this plan's (near) positions.
	 */
	slopes?: Float32Array;
	/** Multiplies every attention logit (e.g. YaRN's attention factor squared). */
	logitScale?: number;
	/** A second set of positions used where query position − key position ≥ `fromDistance`. */
	far?: PositionBranch & { fromDistance: number };
}

export interface MaskContext extends LayerContext {
	/** Pre-mask, pre-softmax logits [heads, T, slots] (soft-capped where the model caps them), computed on first call. */
	scores(): Float32Array;
	/** The same logits for query rows [from, to) only, [heads, to − from, slots]: what a pattern reading a few rows needs. */
	scoreRows?(from: number, to: number): Float32Array;
	/** The rotated queries [heads, T, d] (scaled as the logits are, before any soft-cap) and keys [kvHeads, slots, d]. */
	vectors(): { queries: Float32Array; keys: Float32Array };
}

/** Keys at positions below this count as attention sinks in {@link RowStats} (StreamingLLM keeps four). */
export const SINK_TOKENS = 4;

/** Summaries of each query row's attention, [heads, T] each, computed where attention runs. */
export interface RowStats {
	/** The share of the row's attention on keys at positions below {@link SINK_TOKENS}. */
	sinkMass: Float32Array;
	/** Σ p·(key position): the row's mean attended position. */
	meanKeyPosition: Float32Array;
	/** −Σ p ln p, in nats. */
	entropy: Float32Array;
	/** The position of the row's most attended key (the first such slot, on a tie). */
	topKey: Int32Array;
}

export interface Hooks {
	/** Positions for this layer's queries and keys; undefined = the model's own. */
	positions?(ctx: LayerContext): PositionPlan | undefined;
	/**
	 * Sees this call's pre-mask logits through `ctx.scores()` (computed at most once per call and
	 * shared with `attentionMask`, which runs after it); cannot change attention.
	 */
	observeScores?(ctx: MaskContext): void;
	/**
	 * Query rows [from, to) of this call whose logits the hooks will read (`scoreRows`, or `scores`
	 * when they are every row): the engine computes them before the hooks run, in onnxruntime as
	 * attention computes its own, rather than in JavaScript.
	 */
	scoreRowsAhead?(ctx: LayerContext): { from: number; to: number } | null;
	/**
	 * Which keys each query may see, as 1/0 per [heads or 1, T, slots] (one row set shared by all
	 * heads when the first dimension is 1). Combined with causality and padding by the engine.
	 */
	attentionMask?(ctx: MaskContext): { mask: Uint8Array; perHead: boolean } | undefined;
	/**
	 * The same keys as `attentionMask`, as one rule per query head (pattern-rule.ts), for the GPU
	 * kernels, which evaluate it from positions and never build the mask; `kept` then receives how
	 * many keys each row [heads, T] saw, and `recall` (where given) the share of each row's full
	 * attention mass the rules keep. Undefined where the hooks can only give a mask.
	 */
	attentionRules?(ctx: MaskContext): { rules: PatternRule[]; kept(counts: Float32Array): void; recall?(shares: Float32Array): void } | undefined;
	/**
	 * The keys `attentionMask` keeps, as a selection the GPU kernels compute from the queries and
	 * keys (Quest's pages, TokenSelect's votes), where the kernels attend. Undefined where none.
	 */
	attentionSelection?(ctx: LayerContext): SelectionRequest | undefined;
	/** Whether `observe` wants this layer's probabilities (fetching them costs memory). */
	wantsProbabilities?(ctx: LayerContext): boolean;
	/** Attention probabilities [heads, T, slots] of this call. Must not keep a reference. */
	observe?(ctx: LayerContext, probs: Float32Array): void;
	/**
	 * The one query head whose probabilities `observeHead` wants in this call, or null: a probe
	 * that reads one head (the heatmap) then costs a copy of [T, slots], not of every head's.
	 */
	watchedHead?(ctx: LayerContext): number | null;
	/** The watched head's probabilities [T, slots] in this call. Must not keep a reference. */
	observeHead?(ctx: LayerContext, probs: Float32Array): void;
	/**
	 * What `observeHead` folds the watched head's probabilities into, asked for instead where the
	 * GPU kernels attend (they pool where the probabilities are, and never read [T, slots] back):
	 * tiles over token positions, from query row `rowFrom` of the call on.
	 */
	watchedTiles?(ctx: LayerContext): { rowFrom: number; tiles: PositionTile[] } | null;
	/** Each watched tile's cells [rows, cols] for this call: the max probability of its causal entries, −1 where none fell. */
	observeTiles?(ctx: LayerContext, cells: Float32Array[]): void;
	/**
	 * Each query row's attention summarised ({@link RowStats}): what a probe that needs only these
	 * asks for, since they cost a little arithmetic where the probabilities cost a copy of [heads, T, slots].
	 */
	observeRowStats?(ctx: LayerContext, stats: RowStats): void;
	/** Called after prefill and after each decode step; may call `cache.keep`. */
	evict?(ctx: { config: ModelConfig; phase: 'prefill' | 'decode'; step: number; cache: KvCache }): void;
	/**
	 * After `layer`: which rows (token indices of this call, ascending, the last always kept)
	 * continue to the next layer, given their hidden states [rows, hidden]; `ctx` holds every row
	 * of the call. Called in prefill, and in decode when revived rows run.
	 */
	pruneTokens?(ctx: LayerContext, hidden: Float32Array): number[] | undefined;
	/**
	 * After `layer` in decode: tokens pruned earlier that come back (LazyLLM), with their hidden
	 * states [rows, hidden] after `layer`; they run from the next layer on, in position order.
	 */
	revive?(ctx: LayerContext): { positions: number[]; hidden: Float32Array } | undefined;
}

/**
 * A query-aware selection of keys: Quest's pages (each head reads its `pagesRead` pages of `page`
 * slots with the highest bound on q·k) or TokenSelect's votes (the `k` middle tokens all heads vote
 * for most, beside the first `init` and last `local`).
 */
export type SelectionRequest = { kind: 'quest'; page: number; pagesRead: number } | { kind: 'token-select'; k: number; init: number; local: number };

/** Cells over token positions: queries [q0, q1) down, keys [k0, k1) across, `block` positions a side. */
export interface PositionTile {
	q0: number;
	q1: number;
	k0: number;
	k1: number;
	block: number;
	rows: number;
	cols: number;
}

/** Whether these query rows hold the call's last row (the prompt's last token, in prefill). */
export function holdsLastRow(ctx: LayerContext): boolean {
	return ctx.rowOffset + ctx.queryPositions.length === ctx.callPositions.length;
}

/** Whether every KV head holds the same key positions (then one mask row set serves all heads). */
export function sameKeyPositions(keyPositions: Int32Array[]): boolean {
	const [first] = keyPositions;
	return keyPositions.every((p) => p.length === first.length && p.every((value, i) => value === first[i]));
}

/** Refuses rows a `pruneTokens` hook may not return for a call of `count` rows. */
export function checkKeptRows(rows: number[], count: number): number[] {
	for (let i = 0; i < rows.length; i++) {
		if (!Number.isInteger(rows[i]) || rows[i] < 0 || rows[i] >= count || (i > 0 && rows[i] <= rows[i - 1])) {
			throw new EngineError(`pruneTokens must return ascending row indices below ${count}.`);
		}
	}
	if (rows.length === 0 || rows[rows.length - 1] !== count - 1) {
		throw new EngineError('pruneTokens must keep the last token: the next token is predicted from it.');
	}
	return rows;
}
