/**
 * The architecture, read from a Hugging Face `config.json` of the Llama family (Llama, Mistral,
 * Qwen2, SmolLM: RMSNorm, rotary positions, SwiGLU, grouped-query attention). Our lab models may
 * add `position_encoding: "rope" | "alibi" | "none"`.
 */
import { z } from 'zod';
import { quote } from '../quote';

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
	rmsNormEps: number;
	tieWordEmbeddings: boolean;
	maxPositions: number;
	/** Bias vectors on the q/k/v projections (Qwen2). */
	attentionBias: boolean;
	positionEncoding: 'rope' | 'alibi' | 'none';
	bosTokenId: number | null;
	eosTokenId: number | null;
	/** `bytes` for our byte-level lab models; otherwise the model's own tokenizer is needed. */
	tokenizer: 'bytes' | null;
}

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
	bos_token_id: tokenId,
	eos_token_id: tokenId
});

const SUPPORTED_TYPES = ['llama', 'mistral', 'qwen2', 'longscope'];

export class ConfigError extends Error {
	override name = 'ConfigError';
}

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
	if (c.rope_scaling !== undefined && c.rope_scaling !== null) {
		throw new ConfigError('config.json: rope_scaling is not supported yet; load the model without it and choose a position scheme in the lab.');
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
	return {
		modelType,
		hiddenSize: c.hidden_size,
		layers: c.num_hidden_layers,
		heads,
		kvHeads,
		headDim,
		intermediateSize: c.intermediate_size,
		vocabSize: c.vocab_size,
		ropeTheta: c.rope_theta ?? 10000,
		rmsNormEps: c.rms_norm_eps ?? 1e-6,
		tieWordEmbeddings: c.tie_word_embeddings ?? false,
		maxPositions: c.max_position_embeddings ?? 2048,
		attentionBias: c.attention_bias ?? modelType === 'qwen2',
		positionEncoding,
		bosTokenId: firstId(c.bos_token_id),
		eosTokenId: firstId(c.eos_token_id),
		tokenizer: c.tokenizer ?? null
	};
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
