/**
 * The architecture, read from a Hugging Face `config.json` of the Llama family (Llama, Mistral,
 * Qwen2, SmolLM: RMSNorm, rotary positions, SwiGLU, grouped-query attention). Our lab models may
 * add `position_encoding: "rope" | "alibi" | "none"`.
 */
import { z } from 'zod';
import { quote } from '../quote';
import { ConfigError } from './errors';
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
	/** Bias vectors on the q/k/v projections (Qwen2). */
	attentionBias: boolean;
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

const SUPPORTED_TYPES = ['llama', 'mistral', 'qwen2', 'longscope'];

const firstId = (id: number | number[] | null | undefined) => (id === undefined || id === null ? null : Array.isArray(id) ? id[0] : id);

export function parseConfig(input: unknown): ModelConfig {
	const parsed = hfConfig.safeParse(input);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new ConfigError(`config.json: "${issue.path.join('.') || '(root)'}" ${issue.message.toLowerCase()}.`);
	}
	const c = parsed.data;
	const modelType = c.model_type ?? 'llama';
	if (!SUPPORTED_TYPES.includes(modelType)) {
		throw new ConfigError(`config.json: model_type ${quote(modelType)} is not supported yet (supported: ${SUPPORTED_TYPES.join(', ')}).`);
	}
	if (c.hidden_act !== undefined && c.hidden_act !== 'silu') {
		throw new ConfigError(`config.json: hidden_act ${quote(c.hidden_act)} is not supported (the Llama family uses silu).`);
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
		attentionBias: c.attention_bias ?? modelType === 'qwen2',
		...slidingLayers(modelType, c),
		positionEncoding,
		bosTokenId: firstId(c.bos_token_id),
		eosTokenId: firstId(c.eos_token_id),
		tokenizer: c.tokenizer ?? null
	};
}

type SlidingFields = Pick<z.infer<typeof hfConfig>, 'sliding_window' | 'use_sliding_window' | 'max_window_layers' | 'layer_types' | 'num_hidden_layers'>;

/**
 * Which layers slide, read as each family's transformers config class reads it (defaults
 * included: a Mistral config without `sliding_window` slides at 4096). Families absent here
 * (Llama) have no sliding attention whatever their config says.
 */
const SLIDING: Record<string, (c: SlidingFields) => { window: number | null; types?: LayerType[] }> = {
	mistral: (c) => ({ window: c.sliding_window === undefined ? 4096 : c.sliding_window }),
	phi3: (c) => ({ window: c.sliding_window ?? null }),
	// Qwen2Config drops the window unless use_sliding_window; without layer_types, layers from max_window_layers on slide.
	qwen2: (c) => ({
		window: c.use_sliding_window ? (c.sliding_window === undefined ? 4096 : c.sliding_window) : null,
		types: c.layer_types ?? Array.from({ length: c.num_hidden_layers }, (_, i) => (i >= (c.max_window_layers ?? 28) ? 'sliding_attention' : 'full_attention'))
	})
};

function slidingLayers(modelType: string, c: SlidingFields): { slidingWindow: number | null; layerTypes: LayerType[] } {
	const { window, types } = SLIDING[modelType]?.(c) ?? { window: null };
	if (types && types.length !== c.num_hidden_layers) throw new ConfigError(`config.json: layer_types names ${types.length} layers, but num_hidden_layers is ${c.num_hidden_layers}.`);
	const layerTypes = Array.from({ length: c.num_hidden_layers }, (_, i): LayerType => (window !== null && (types?.[i] ?? 'sliding_attention') === 'sliding_attention' ? 'sliding_attention' : 'full_attention'));
	return { slidingWindow: layerTypes.includes('sliding_attention') ? window : null, layerTypes };
}

/** Parameters of the model, embeddings counted once when tied. */
export function parameterCount(config: ModelConfig): number {
	const { hiddenSize: d, heads, kvHeads, headDim, intermediateSize: f, vocabSize: v, layers } = config;
	const attention = d * heads * headDim * 2 + d * kvHeads * headDim * 2 + (config.attentionBias ? (heads + 2 * kvHeads) * headDim : 0);
	const perLayer = attention + 3 * d * f + 2 * d;
	return v * d * (config.tieWordEmbeddings ? 1 : 2) + layers * perLayer + d;
}

/** Bytes of keys and values one token adds to the cache: 2 · layers · kv_heads · head_dim · bytes. */
export function kvBytesPerToken(config: ModelConfig, bytesPerValue = 4): number {
	return 2 * config.layers * config.kvHeads * config.headDim * bytesPerValue;
}
