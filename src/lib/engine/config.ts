/**
 * The architecture, read from a Hugging Face `config.json` (Llama, Mistral, Qwen2, Phi-3, SmolLM:
 * RMSNorm, rotary positions, SwiGLU, grouped-query attention), each family's fields read as its
 * transformers code reads them (family.ts). Our lab models may add
 * `position_encoding: "rope" | "alibi" | "none"`.
 */
import { z } from 'zod';
import { quote } from '../quote';
import { ConfigError } from './errors';
import { familyOf, slidingLayers, type Biases, type Fused } from './family';
import { readRopeScaling } from './rope-config';
import type { RopeScaling } from './rope-scaling';

export { ConfigError };

export interface ModelConfig {
	modelType: string;
	hiddenSize: number;
	layers: number;
	heads: number;
	kvHeads: number;
	headDim: number;
	intermediateSize: number;
	vocabSize: number;
	ropeTheta: number;
	/** The config's rope scaling (`rope_scaling` or `rope_parameters`), every default resolved; null for plain RoPE. */
	ropeScaling: RopeScaling | null;
	rmsNormEps: number;
	tieWordEmbeddings: boolean;
	maxPositions: number;
	/** Which projections carry biases (Qwen2: q/k/v; Llama: q/k/v/o with attention_bias, the MLP's with mlp_bias). */
	biases: Biases;
	/** Projections the checkpoint stores fused (Phi-3: qkv_proj, gate_up_proj). */
	fused: Fused;
	/** Keys a query on a sliding layer sees, itself included (Hugging Face's `sliding_window`); null: no layer slides. */
	slidingWindow: number | null;
	/** Each layer's attention: `sliding_attention` only where the layer attends within `slidingWindow`. */
	layerTypes: LayerType[];
	positionEncoding: 'rope' | 'alibi' | 'none';
	bosTokenId: number | null;
	eosTokenId: number | null;
	/** `bytes` for our byte-level lab models; otherwise the model's own tokenizer is needed. */
	tokenizer: 'bytes' | null;
}

export type LayerType = 'full_attention' | 'sliding_attention';

const positive = z.number().int().positive();
const tokenId = z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative()).min(1), z.null()]).optional();

/**
 * Upper bounds on the sizes, far above any model the lab can run: a corrupt or hostile config
 * is refused by name here instead of failing later in an allocation with an unnamed RangeError.
 */
export const CONFIG_LIMITS = {
	hidden_size: 65536,
	num_hidden_layers: 1024,
	num_attention_heads: 1024,
	num_key_value_heads: 1024,
	head_dim: 4096,
	intermediate_size: 2 ** 20,
	vocab_size: 2 ** 22,
	max_position_embeddings: 2 ** 24
} as const;

const size = (field: keyof typeof CONFIG_LIMITS) => {
	const limit = CONFIG_LIMITS[field];
	return positive.max(limit, { error: (issue) => `is ${issue.input}, more than the ${limit} the lab allows` });
};

const hfConfig = z.looseObject({
	model_type: z.string().optional(),
	hidden_size: size('hidden_size'),
	num_hidden_layers: size('num_hidden_layers'),
	num_attention_heads: size('num_attention_heads'),
	num_key_value_heads: size('num_key_value_heads').optional(),
	head_dim: size('head_dim').optional(),
	intermediate_size: size('intermediate_size'),
	vocab_size: size('vocab_size'),
	rope_theta: z.number().positive().optional(),
	rms_norm_eps: z.number().positive().optional(),
	tie_word_embeddings: z.boolean().optional(),
	max_position_embeddings: size('max_position_embeddings').optional(),
	attention_bias: z.boolean().optional(),
	mlp_bias: z.boolean().optional(),
	partial_rotary_factor: z.number().positive().max(1).optional(),
	quantization_config: z.unknown().optional(),
	hidden_act: z.string().optional(),
	position_encoding: z.enum(['rope', 'alibi', 'none']).optional(),
	tokenizer: z.enum(['bytes']).optional(),
	rope_scaling: z.unknown().optional(),
	rope_parameters: z.unknown().optional(),
	original_max_position_embeddings: size('max_position_embeddings').optional(),
	sliding_window: positive.nullable().optional(),
	use_sliding_window: z.boolean().optional(),
	max_window_layers: z.number().int().nonnegative().optional(),
	layer_types: z.array(z.enum(['full_attention', 'sliding_attention'])).optional(),
	bos_token_id: tokenId,
	eos_token_id: tokenId
});

const firstId = (id: number | number[] | null | undefined) => (id === undefined || id === null ? null : Array.isArray(id) ? id[0] : id);

export function parseConfig(input: unknown): ModelConfig {
	const parsed = hfConfig.safeParse(input);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new ConfigError(`config.json: "${issue.path.join('.') || '(root)'}" ${issue.message.toLowerCase()}.`);
	}
	const c = parsed.data;
	const modelType = c.model_type ?? 'llama';
	const family = familyOf(modelType);
	if (c.hidden_act !== undefined && c.hidden_act !== 'silu') {
		throw new ConfigError(`config.json: hidden_act ${quote(c.hidden_act)} is not supported for ${modelType} (supported: silu).`);
	}
	if (c.quantization_config !== undefined && c.quantization_config !== null) {
		throw new ConfigError('config.json: quantization_config names a quantized checkpoint, which the lab cannot run (supported: F32, F16 and BF16 weights).');
	}
	if (c.partial_rotary_factor !== undefined && c.partial_rotary_factor !== 1) {
		throw new ConfigError(`config.json: partial_rotary_factor ${c.partial_rotary_factor} rotates part of each head, which the lab does not run (supported: 1, every dimension rotated).`);
	}
	const heads = c.num_attention_heads;
	const kvHeads = c.num_key_value_heads ?? heads;
	if (heads % kvHeads !== 0) throw new ConfigError(`config.json: ${heads} attention heads cannot be shared by ${kvHeads} key/value heads.`);
	const headDim = c.head_dim ?? c.hidden_size / heads;
	if (!Number.isInteger(headDim)) throw new ConfigError(`config.json: hidden_size ${c.hidden_size} is not divisible by ${heads} heads.`);
	for (const field of ['bos_token_id', 'eos_token_id'] as const) {
		const outside = [c[field] ?? []].flat().find((id) => id >= c.vocab_size);
		if (outside !== undefined) throw new ConfigError(`config.json: ${field} ${outside} is outside the vocabulary of ${c.vocab_size} tokens (ids 0–${c.vocab_size - 1}).`);
	}
	const positionEncoding = c.position_encoding ?? 'rope';
	if (positionEncoding === 'rope' && headDim % 2 !== 0) throw new ConfigError(`config.json: rotary positions need an even head_dim, not ${headDim}.`);
	const maxPositions = c.max_position_embeddings ?? 2048;
	const rope = readRopeScaling(c, { modelType, maxPositions, originalMaxPositions: c.original_max_position_embeddings, rotaryDim: headDim });
	if (rope.scaling && positionEncoding !== 'rope') throw new ConfigError(`config.json: rope_scaling rescales rotary positions, but position_encoding is ${quote(positionEncoding)}.`);
	return {
		modelType,
		hiddenSize: c.hidden_size,
		layers: c.num_hidden_layers,
		heads,
		kvHeads,
		headDim,
		intermediateSize: c.intermediate_size,
		vocabSize: c.vocab_size,
		ropeTheta: rope.theta ?? c.rope_theta ?? 10000,
		ropeScaling: rope.scaling,
		rmsNormEps: c.rms_norm_eps ?? 1e-6,
		tieWordEmbeddings: c.tie_word_embeddings ?? false,
		maxPositions,
		biases: family.biases(c),
		fused: family.fused,
		...slidingLayers(family, c),
		positionEncoding,
		bosTokenId: firstId(c.bos_token_id),
		eosTokenId: firstId(c.eos_token_id),
		tokenizer: c.tokenizer ?? null
	};
}

/** Parameters of the model, embeddings counted once when tied. */
export function parameterCount(config: ModelConfig): number {
	const { hiddenSize: d, heads, kvHeads, headDim, intermediateSize: f, vocabSize: v, layers } = config;
	const { biases } = config;
	const attention = d * heads * headDim * 2 + d * kvHeads * headDim * 2 + (biases.qkv ? (heads + 2 * kvHeads) * headDim : 0) + (biases.o ? d : 0);
	const perLayer = attention + 3 * d * f + (biases.mlp ? 2 * f + d : 0) + 2 * d;
	return v * d * (config.tieWordEmbeddings ? 1 : 2) + layers * perLayer + d;
}

/** Bytes of keys and values one token adds to the cache: 2 · layers · kv_heads · head_dim · bytes. */
export function kvBytesPerToken(config: ModelConfig, bytesPerValue = 4): number {
	return 2 * config.layers * config.kvHeads * config.headDim * bytesPerValue;
}
