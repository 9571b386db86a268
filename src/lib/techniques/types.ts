/**
 * The technique interfaces. Each technique is one object in one file: metadata (from which the
 * controls, the URL codec and the docs are generated) plus one small function.
 */
import type { ModelConfig } from '../engine/config';
import type { LayerContext, PositionPlan } from '../engine/hooks';
import type { OptionMeta } from '../experiment/catalog';
import type { ParamValues } from '../experiment/param-spec';

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
}

export interface AttentionPattern extends TechniqueMeta {
	/**
	 * Which keys each query may see: 1/0 per [T, S] entry. Entries above the causal diagonal are
	 * ignored (the engine masks them anyway).
	 */
	mask(params: ParamValues, grid: PatternGrid): Uint8Array;
	/** True when the mask can differ between heads or depends on the scores. */
	perHead: boolean;
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
