/**
 * A config's `rope_scaling` (transformers 4) or `rope_parameters` (transformers 5), read as
 * transformers standardizes it: `type` is the older name of `rope_type`, `rope_theta` may sit
 * inside the dict, and the pretraining length comes from the top-level
 * `original_max_position_embeddings` first (Phi-3 keeps it there), then the dict's, then
 * `max_position_embeddings`. Every default is resolved here, so the frequencies
 * (rope-scaling.ts) need nothing else of the config.
 */
import { z } from 'zod';
import { quote } from '../quote';
import { ConfigError } from './errors';
import { yarnMscale, longropeAttentionFactor, type RopeScaling, type RopeType } from './rope-scaling';

export const ROPE_TYPES: readonly ('default' | RopeType)[] = ['default', 'linear', 'dynamic', 'yarn', 'llama3', 'longrope'];

// Configs write null for "unset" as often as they leave a field out; transformers reads both as None.
const maybe = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const factorList = z.array(z.number().positive()).min(1);

const ropeDict = z.looseObject({
	rope_type: maybe(z.string()),
	type: maybe(z.string()),
	rope_theta: maybe(z.number().positive()),
	factor: maybe(z.number().positive()),
	original_max_position_embeddings: maybe(z.number().int().positive()),
	attention_factor: maybe(z.number().positive()),
	beta_fast: maybe(z.number().nonnegative()),
	beta_slow: maybe(z.number().nonnegative()),
	mscale: maybe(z.number()),
	mscale_all_dim: maybe(z.number()),
	truncate: maybe(z.boolean()),
	low_freq_factor: maybe(z.number().positive()),
	high_freq_factor: maybe(z.number().positive()),
	short_factor: maybe(factorList),
	long_factor: maybe(factorList)
});

/** What the rest of the config tells the scaling. */
export interface RopeContext {
	modelType: string;
	/** `max_position_embeddings`, its default applied. */
	maxPositions: number;
	/** The top-level `original_max_position_embeddings`, if the config has one. */
	originalMaxPositions: number | undefined;
	/** Rotary dimension: longrope has one factor per pair of it. */
	rotaryDim: number;
}

/**
 * The scaling (null for plain RoPE) and the base the dict names, if any. An unknown rope type or
 * a missing field fails with a ConfigError naming the field.
 */
export function readRopeScaling(raw: { rope_scaling?: unknown; rope_parameters?: unknown }, context: RopeContext): { scaling: RopeScaling | null; theta: number | undefined } {
	const field = raw.rope_scaling !== undefined && raw.rope_scaling !== null ? 'rope_scaling' : 'rope_parameters';
	const value = raw[field];
	if (value === undefined || value === null) return { scaling: null, theta: undefined };
	// Read as one dict, transformers 5's per-layer-type dicts (Gemma 3) would pass for plain RoPE.
	const byLayerType = Object.keys(value).filter((key) => key === 'full_attention' || key === 'sliding_attention');
	if (byLayerType.length > 0) {
		throw new ConfigError(`config.json: "${field}" gives rotary positions per layer type (${byLayerType.join(', ')}), transformers 5's layout, which the lab does not read yet.`);
	}
	const parsed = ropeDict.safeParse(value);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new ConfigError(`config.json: "${[field, ...issue.path].join('.')}" ${issue.message.toLowerCase()}.`);
	}
	const d = parsed.data;
	const named = d.rope_type ?? d.type ?? 'default';
	// Phi3Config's backward compatibility: its first configs named longrope "su" or "yarn" under `type`.
	const type = context.modelType === 'phi3' && d.rope_type === undefined && (named === 'su' || named === 'yarn') ? 'longrope' : named;
	const typeField = `${field}.${d.rope_type !== undefined ? 'rope_type' : 'type'}`;
	const need = <T>(value: T | undefined, name: string): T => {
		if (value === undefined) throw new ConfigError(`config.json: "${field}.${name}" is required for rope_type ${quote(type)}.`);
		return value;
	};
	const original = context.originalMaxPositions ?? d.original_max_position_embeddings ?? context.maxPositions;
	const scaling = ((): RopeScaling | null => {
		switch (type) {
			case 'default':
				return null;
			case 'linear':
				return { type, factor: need(d.factor, 'factor') };
			case 'dynamic':
				// transformers grows the base past max_position_embeddings, whatever the dict says.
				return { type, factor: need(d.factor, 'factor'), original: context.maxPositions };
			case 'yarn': {
				// A null factor beside an explicit original length is the ratio of the two (transformers 5).
				const factor = need(d.factor ?? (d.original_max_position_embeddings !== undefined ? context.maxPositions / original : undefined), 'factor');
				const { mscale, mscale_all_dim: mscaleAllDim } = d;
				// DeepSeek's mscale pair: equal values give a factor of 1.
				const derived = mscale && mscaleAllDim ? yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim) : yarnMscale(factor);
				return {
					type,
					factor,
					original,
					betaFast: d.beta_fast || 32,
					betaSlow: d.beta_slow || 1,
					truncate: d.truncate ?? true,
					attentionFactor: d.attention_factor ?? derived
				};
			}
			case 'llama3':
				return { type, factor: need(d.factor, 'factor'), original, lowFreqFactor: need(d.low_freq_factor, 'low_freq_factor'), highFreqFactor: need(d.high_freq_factor, 'high_freq_factor') };
			case 'longrope': {
				const pairs = context.rotaryDim / 2;
				const factors = (name: 'short_factor' | 'long_factor') => {
					const list = need(d[name], name);
					if (list.length !== pairs) throw new ConfigError(`config.json: "${field}.${name}" has ${list.length} factors; the model's rotary dimension ${context.rotaryDim} needs one per pair, ${pairs}.`);
					return list;
				};
				const factor = d.factor ?? context.maxPositions / original;
				return { type, factor, original, shortFactor: factors('short_factor'), longFactor: factors('long_factor'), attentionFactor: d.attention_factor ?? longropeAttentionFactor(factor, original) };
			}
			default:
				throw new ConfigError(`config.json: "${typeField}" is ${quote(type)}, which the lab does not run (supported: ${ROPE_TYPES.join(', ')}).`);
		}
	})();
	return { scaling, theta: d.rope_theta };
}
