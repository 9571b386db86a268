/**
 * A block's structure as a function of the config, never of the model's name. The graphs, the
 * weights table and the model's own positions are built from this description, so a new family
 * is a new reading of its config here plus the kinds it brings (a norm, an MLP, a position
 * encoding) in the tables that build them.
 */
import type { ModelConfig } from './config';
import type { Biases, Fused } from './family';
import type { RopeScaling } from './rope-scaling';

/**
 * How a layer encodes positions when no technique changes them: RoPE at its base with the
 * config's scaling (null: plain RoPE), ALiBi, or nothing.
 */
export type NativePositions = { kind: 'rope'; base: number; scaling: RopeScaling | null } | { kind: 'alibi' } | { kind: 'none' };

export interface LayerSpec {
	positions: NativePositions;
	/**
	 * Keys a query sees on a sliding-window layer, itself included: a query at i sees keys j with
	 * i − window < j ≤ i (transformers' mask); null on a layer that sees every earlier key.
	 */
	window: number | null;
}

export interface BlockSpec {
	/** The norm before each sublayer (pre-norm) and before the LM head. */
	norm: { kind: 'rms'; eps: number };
	/** Which projections carry biases (family.ts). */
	biases: Biases;
	/** Projections the checkpoint stores as one tensor, split when the weights are read. */
	fused: Fused;
	/** The feed-forward: SwiGLU is down(silu(gate(x)) · up(x)). */
	mlp: 'swiglu';
	layers: LayerSpec[];
}

export function blockSpec(config: ModelConfig): BlockSpec {
	const positions: NativePositions = config.positionEncoding === 'rope' ? { kind: 'rope', base: config.ropeTheta, scaling: config.ropeScaling } : { kind: config.positionEncoding };
	return {
		norm: { kind: 'rms', eps: config.rmsNormEps },
		biases: config.biases,
		fused: config.fused,
		mlp: 'swiglu',
		layers: config.layerTypes.map((type) => ({ positions, window: type === 'sliding_attention' ? config.slidingWindow : null }))
	};
}
