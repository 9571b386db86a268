/**
 * The model's own positions, as a plan: what an attention call encodes where no hook gives it a
 * plan, and what a hook's plan keeps for what it leaves out.
 */
import type { DistanceBias } from './bias';
import type { LayerSpec } from './block';
import type { ModelConfig } from './config';
import type { LayerContext, PositionPlan } from './hooks';
import { alibiSlopes, ropeInvFreq } from './rope';

/** The model's own plan for a layer of this spec (block.ts). */
export function nativePlan(config: ModelConfig, layer: LayerSpec): PositionPlan {
	const { positions } = layer;
	switch (positions.kind) {
		case 'rope':
			return { invFreq: ropeInvFreq(config.headDim, positions.base) };
		case 'alibi':
			return { slopes: Float32Array.from(alibiSlopes(config.heads)) };
		case 'none':
			return {};
	}
}

/** The plan of one call: the hook's, with the model's own frequencies and slopes where it names none. */
export function callPlan(native: PositionPlan, plan: PositionPlan | undefined): PositionPlan {
	return plan ? { ...plan, invFreq: plan.invFreq ?? native.invFreq, slopes: plan.slopes ?? native.slopes } : native;
}

/** ALiBi's term of the call's bias, by the plan's positions; none without slopes. */
export function distanceBias(plan: PositionPlan, ctx: LayerContext): DistanceBias | undefined {
	if (!plan.slopes) return undefined;
	return { slopes: plan.slopes, query: plan.query ?? ctx.queryPositions, keys: ctx.keyPositions.map((original, h) => plan.keys?.(h, original) ?? original) };
}
