/**
 * What the position schemes share about the model's own RoPE (the formulas themselves are the
 * engine's, engine/rope-scaling.ts, which a config's rope scaling also uses). Schemes that move
 * positions build on the model's own frequencies, scaled or not; schemes that replace the
 * frequencies by an extension of plain RoPE run on plain RoPE, or on a config scaled the same
 * way, whose parameters theirs then replace.
 */
import { blockSpec } from '../../engine/block';
import type { ModelConfig } from '../../engine/config';
import type { LayerContext, PositionPlan } from '../../engine/hooks';
import { nativePlan, passLength } from '../../engine/positions';
import type { RopeType } from '../../engine/rope-scaling';
import { describeNativePositions } from './native';

/** How a model encodes positions, in a refusal's words. */
export function positionsOf(config: ModelConfig): string {
	return {
		rope: 'RoPE',
		alibi: 'ALiBi',
		none: 'no position encoding',
		learned: `learned absolute position embeddings (one per position up to ${config.maxPositions}), added to its input: there is no rotation to change`
	}[config.positionEncoding];
}

export function ropeOnly(config: ModelConfig, name: string): string | null {
	return config.positionEncoding === 'rope' ? null : `${name} rescales rotary positions, but this model uses ${positionsOf(config)}.`;
}

/**
 * Refuses a scheme that replaces the model's frequencies on a config that scales RoPE otherwise
 * than `sameKind` (null: no config scaling is of its kind).
 */
export function plainRopeOnly(config: ModelConfig, name: string, sameKind: RopeType | null): string | null {
	const scaling = config.ropeScaling;
	if (!scaling || scaling.type === sameKind) return ropeOnly(config, name);
	return (
		`${name} extends plain RoPE${sameKind ? ` (or replaces a ${sameKind} config's own factor)` : ''}, but this model's config already scales it: ` +
		`${describeNativePositions(config)}. No paper defines ${name} on top of ${scaling.type} scaling; use the model's own positions, ` +
		'or a scheme that moves positions through them: Position Interpolation, SelfExtend, the distance cap, cache positions or a remap.'
	);
}

/**
 * The model's own plan for this call (its layer's base and scaling, for this pass's length), or
 * the same at another base: what a scheme building on the model's frequencies starts from.
 */
export function ownPlan(config: ModelConfig, ctx: LayerContext, base?: number): PositionPlan {
	const layer = blockSpec(config).layers[ctx.layer];
	const positions = base !== undefined && layer.positions.kind === 'rope' ? { ...layer.positions, base } : layer.positions;
	return nativePlan(config, { ...layer, positions }, passLength(ctx.callPositions));
}

/** The base this layer rotates at (models may rotate layers at different bases). */
export function layerBase(config: ModelConfig, layer: number): number {
	const { positions } = blockSpec(config).layers[layer];
	return positions.kind === 'rope' ? positions.base : config.ropeTheta;
}

/** The length a scaling extends: the parameter; when 0, a config scaling's own original length, else the trained context. */
export function originalLength(value: number, config: ModelConfig): number {
	if (value > 0) return value;
	const scaling = config.ropeScaling;
	return scaling && 'original' in scaling ? scaling.original : config.maxPositions;
}

/** The length the model was trained to read (max_position_embeddings) unless the parameter names one. */
export function trainedContext(value: number, config: ModelConfig): number {
	return value > 0 ? value : config.maxPositions;
}
