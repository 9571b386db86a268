/**
 * The vectors one attention call reads, laid out as the attention graph takes them: queries
 * rotated to the plan's positions and pre-scaled, and every KV head's keys (re-rotated from the
 * un-rotated cache where the plan moves them) and values, padded to the call's slots.
 */
import type { ModelConfig } from './config';
import type { LayerContext, PositionPlan } from './hooks';
import type { HeadCache } from './kv-cache';
import { rotate } from './rope';

export interface AttentionVectors {
	/** [H, T, d], scaled as the logits need. */
	q: Float32Array;
	/** [Hkv, S, d] each. */
	k: Float32Array;
	v: Float32Array;
	/** The far branch's queries and keys, when the plan has one. */
	far?: { q: Float32Array; k: Float32Array };
}

/**
 * `q` holds this call's raw queries [T, H·d]; `plan` is the call's whole plan (positions.ts);
 * `ownInvFreq` the model's frequencies, at which the cache holds its keys already rotated;
 * `scoreDivisor` what the layer divides q·k by (block.ts).
 */
export function attentionVectors(
	config: ModelConfig,
	cacheHeads: HeadCache[],
	ctx: LayerContext,
	q: Float32Array,
	plan: PositionPlan,
	ownInvFreq: Float64Array | undefined,
	scoreDivisor: number
): AttentionVectors {
	const { heads: H, kvHeads: Hkv, headDim: d } = config;
	const T = ctx.queryPositions.length;
	const S = ctx.slots;
	const { invFreq } = plan;
	const scale = (plan.logitScale ?? 1) / scoreDivisor;

	const queries = (positions: Float64Array | Int32Array) => {
		const rotated = invFreq ? new Float32Array(q.length) : q;
		if (invFreq) rotate(q, rotated, T * H, d, (r) => positions[Math.floor(r / H)], invFreq);
		// [T, H, d] → [H, T, d], scaled.
		const out = new Float32Array(H * T * d);
		for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let c = 0; c < d; c++) out[(h * T + t) * d + c] = rotated[(t * H + h) * d + c] * scale;
		return out;
	};
	const keys = (positionsOf: PositionPlan['keys']) => {
		const out = new Float32Array(Hkv * S * d);
		cacheHeads.forEach((head, h) => {
			const n = head.length;
			const target = out.subarray(h * S * d, h * S * d + n * d);
			if (!invFreq) target.set(head.keysRaw.subarray(0, n * d));
			else if (!positionsOf && invFreq === ownInvFreq) target.set(head.keys.subarray(0, n * d));
			else {
				const positions = positionsOf?.(h, ctx.keyPositions[h]) ?? ctx.keyPositions[h];
				rotate(head.keysRaw, target, n, d, (r) => positions[r], invFreq);
			}
		});
		return out;
	};
	const v = new Float32Array(Hkv * S * d);
	cacheHeads.forEach((head, h) => v.set(head.values.subarray(0, head.length * d), h * S * d));

	const vectors: AttentionVectors = { q: queries(plan.query ?? ctx.queryPositions), k: keys(plan.keys), v };
	if (plan.far) vectors.far = { q: queries(plan.far.query ?? ctx.queryPositions), k: keys(plan.far.keys) };
	return vectors;
}

/** The logits as the model's softmax sees them: soft-capped (cap · tanh(x / cap)) where the model caps them. */
export function softcapScores(scores: Float32Array, cap: number | null): Float32Array {
	if (cap !== null) for (let i = 0; i < scores.length; i++) scores[i] = cap * Math.tanh(scores[i] / cap);
	return scores;
}
