/**
 * The model's own positions, as a plan: what an attention call encodes where no hook gives it a
 * plan, and what a hook's plan keeps for what it leaves out.
 */
import type { DistanceBias } from './bias';
import type { LayerSpec } from './block';
import type { ModelConfig } from './config';
import type { LayerContext, PositionPlan } from './hooks';
import { alibiSlopes } from './rope';
import { ropeFrequencies } from './rope-scaling';

/**
 * The model's own plan for a layer of this spec (block.ts), in a forward pass whose positions
 * reach `seqLen − 1`: dynamic and longrope scalings choose their frequencies by it, as
 * transformers does per forward pass (without it, the frequencies before any pass). A scaling's
 * attention factor multiplies cos and sin, so it scales the logits by its square.
 */
export function nativePlan(config: ModelConfig, layer: LayerSpec, seqLen?: number): PositionPlan {
	const { positions } = layer;
	switch (positions.kind) {
		case 'rope': {
			const { invFreq, attentionFactor } = ropeFrequencies(config.headDim, positions.base, positions.scaling, seqLen);
			return attentionFactor === 1 ? { invFreq } : { invFreq, logitScale: attentionFactor ** 2 };
		}
		case 'alibi':
			return { slopes: Float32Array.from(alibiSlopes(config.heads)) };
		case 'none':
			return {};
	}
}

/**
 * The plan of one call: the hook's, with the model's own frequencies, slopes and logit scale
 * (a rope scaling's attention factor) where it names none.
 */
export function callPlan(native: PositionPlan, plan: PositionPlan | undefined): PositionPlan {
	return plan ? { ...plan, invFreq: plan.invFreq ?? native.invFreq, slopes: plan.slopes ?? native.slopes, logitScale: plan.logitScale ?? native.logitScale } : native;
}

/**
 * The length of the forward pass these rows belong to, as transformers measures it for its
 * dynamic rope types: the largest position + 1. A pass is one prefill or decode call, however
 * the engine chunks it, so chunking never changes the frequencies.
 */
export function passLength(callPositions: Int32Array): number {
	let max = -1;
	for (const p of callPositions) max = Math.max(max, p);
	return max + 1;
}

/** ALiBi's term of the call's bias, by the plan's positions; none without slopes. */
export function distanceBias(plan: PositionPlan, ctx: LayerContext): DistanceBias | undefined {
	if (!plan.slopes) return undefined;
	return { slopes: plan.slopes, query: plan.query ?? ctx.queryPositions, keys: ctx.keyPositions.map((original, h) => plan.keys?.(h, original) ?? original) };
}
