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

/** RMSNorm scaled by w, RMSNorm scaled by 1 + w (Gemma), LayerNorm with a bias (GPT-2). */
export type NormKind = 'rms' | 'rms-offset' | 'layer';

/** gelu-tanh: GELU's tanh approximation (transformers' gelu_new and gelu_pytorch_tanh). */
export type Activation = 'silu' | 'gelu-tanh';

/** gated: down(act(gate(x)) · up(x)) (SwiGLU, GeGLU); plain: down(act(up(x))) (GPT-2). */
export type MlpKind = 'gated' | 'plain';

export interface LayerSpec {
	positions: NativePositions;
	/**
	 * Keys a query sees on a sliding-window layer, itself included: a query at i sees keys j with
	 * i − window < j ≤ i (transformers' mask); null on a layer that sees every earlier key.
	 */
	window: number | null;
	/** What q·k is divided by before the softmax. */
	scoreDivisor: number;
}

export interface BlockSpec {
	/** The norm before each sublayer (pre-norm), of q/k heads and sublayer outputs where present, and before the LM head. */
	norm: { kind: NormKind; eps: number };
	/** Which projections carry biases (family.ts). */
	biases: Biases;
	/** Projections the checkpoint stores as one tensor, split when the weights are read. */
	fused: Fused;
	mlp: { kind: MlpKind; activation: Activation };
	/** Each query and key head normalised before rotation (Gemma 3's q_norm, k_norm). */
	qkNorm: boolean;
	/** The attention and MLP outputs normalised before they join the residual (Gemma's post-attention and post-feedforward norms). */
	outputNorms: boolean;
	/** Token embeddings are multiplied by this (Gemma: √hidden), in the embedding's dtype. */
	embedScale: number;
	/** Learned absolute position embeddings added to the token embeddings (GPT-2). */
	learnedPositions: boolean;
	/** cap · tanh(x / cap) on the attention logits and on the final logits, where the config sets a cap. */
	softcap: { attention: number | null; final: number | null };
	layers: LayerSpec[];
}

export function blockSpec(config: ModelConfig): BlockSpec {
	const positions: NativePositions = config.positionEncoding === 'rope' ? { kind: 'rope', base: config.ropeTheta, scaling: config.ropeScaling } : { kind: config.positionEncoding === 'alibi' ? 'alibi' : 'none' };
	return {
		norm: { kind: config.norm, eps: config.normEps },
		biases: config.biases,
		fused: config.fused,
		mlp: { kind: config.gatedMlp ? 'gated' : 'plain', activation: config.activation },
		qkNorm: config.qkNorm,
		outputNorms: config.outputNorms,
		embedScale: config.scaleEmbeddings ? Math.sqrt(config.hiddenSize) : 1,
		learnedPositions: config.positionEncoding === 'learned',
		softcap: { attention: config.attnSoftcap, final: config.finalSoftcap },
		layers: config.layerTypes.map((type, i) => ({
			// Gemma's sliding layers rotate at their own base, unscaled; the scaling is the full layers'.
			positions: type === 'sliding_attention' && positions.kind === 'rope' && config.ropeLocalTheta !== null ? { kind: 'rope', base: config.ropeLocalTheta, scaling: null } : positions,
			window: type === 'sliding_attention' ? config.slidingWindow : null,
			scoreDivisor: Math.sqrt(config.queryPreAttnScalar) * (config.scoreByLayer ? i + 1 : 1)
		}))
	};
}

/** Each layer's sliding window (null: the layer sees every earlier token), for the views. */
export function layerWindows(config: ModelConfig): (number | null)[] {
	return blockSpec(config).layers.map((layer) => layer.window);
}
