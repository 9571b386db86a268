/**
 * The architecture, read from a Hugging Face `config.json` (Llama, Mistral, Qwen2, Phi-3, SmolLM,
 * Gemma 3, GPT-2), each family's fields read as its transformers code reads them (family.ts).
 * Our lab models (Llama blocks) may add
 * `position_encoding: "rope" | "alibi" | "none"`.
 */
import { z } from 'zod';
import { quote } from '../quote';
import type { Activation, NormKind } from './block';
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
	/** The RoPE base of sliding-window layers, where it differs (Gemma 3's rope_local_base_freq). */
	ropeLocalTheta: number | null;
	norm: NormKind;
	normEps: number;
	activation: Activation;
	gatedMlp: boolean;
	/** RMSNorm of each query and key head (Gemma 3). */
	qkNorm: boolean;
	/** Norms of the attention and MLP outputs before the residual adds them (Gemma 3). */
	outputNorms: boolean;
	/** Token embeddings multiplied by √hidden_size (Gemma). */
	scaleEmbeddings: boolean;
	/** Attention logits are q·k / √queryPreAttnScalar: head_dim, unless the config says otherwise. */
	queryPreAttnScalar: number;
	/** Layer i's logits further divided by i + 1 (GPT-2's scale_attn_by_inverse_layer_idx). */
	scoreByLayer: boolean;
	/** cap · tanh(x / cap) on attention logits and on the final logits; null: no cap. */
	attnSoftcap: number | null;
	finalSoftcap: number | null;
	tieWordEmbeddings: boolean;
	/** The trained context; with learned positions (GPT-2), also the most positions the model has. */
	maxPositions: number;
	/** Which projections carry biases (Qwen2: q/k/v; Llama: q/k/v/o with attention_bias, the MLP's with mlp_bias). */
	biases: Biases;
	/** Projections the checkpoint stores fused (Phi-3: qkv_proj, gate_up_proj). */
	fused: Fused;
	/** Keys a query on a sliding layer sees, itself included (Hugging Face's `sliding_window`); null: no layer slides. */
	slidingWindow: number | null;
	/** Each layer's attention: `sliding_attention` only where the layer attends within `slidingWindow`. */
	layerTypes: LayerType[];
	positionEncoding: 'rope' | 'alibi' | 'none' | 'learned';
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
	rope_local_base_freq: z.number().positive().optional(),
	rms_norm_eps: z.number().positive().optional(),
	tie_word_embeddings: z.boolean().optional(),
	max_position_embeddings: size('max_position_embeddings').optional(),
	attention_bias: z.boolean().optional(),
	mlp_bias: z.boolean().optional(),
	partial_rotary_factor: z.number().positive().max(1).optional(),
	quantization_config: z.unknown().optional(),
	hidden_act: z.string().optional(),
	hidden_activation: z.string().optional(),
	query_pre_attn_scalar: z.number().positive().optional(),
	scale_attn_weights: z.boolean().optional(),
	scale_attn_by_inverse_layer_idx: z.boolean().optional(),
	attn_logit_softcapping: z.number().positive().nullable().optional(),
	final_logit_softcapping: z.number().positive().nullable().optional(),
	use_bidirectional_attention: z.boolean().optional(),
	position_encoding: z.enum(['rope', 'alibi', 'none']).optional(),
	tokenizer: z.enum(['bytes']).optional(),
	rope_scaling: z.unknown().optional(),
	rope_parameters: z.unknown().optional(),
	original_max_position_embeddings: size('max_position_embeddings').optional(),
	sliding_window: positive.nullable().optional(),
	use_sliding_window: z.boolean().optional(),
	max_window_layers: z.number().int().nonnegative().optional(),
	layer_types: z.array(z.enum(['full_attention', 'sliding_attention'])).optional(),
	sliding_window_pattern: positive.optional(),
	bos_token_id: tokenId,
	eos_token_id: tokenId
});

/** config.json's names for the activations the graphs build. */
const ACTIVATIONS: Record<string, Activation> = { silu: 'silu', gelu_new: 'gelu-tanh', gelu_pytorch_tanh: 'gelu-tanh' };

const firstId = (id: number | number[] | null | undefined) => (id === undefined || id === null ? null : Array.isArray(id) ? id[0] : id);

export function parseConfig(input: unknown): ModelConfig {
	const raw = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : null;
	const modelType = typeof raw?.model_type === 'string' ? raw.model_type : 'llama';
	const family = familyOf(modelType);
	// Families that name or default their fields otherwise (GPT-2, Gemma 3) are read into the names parsed here.
	const read = raw && family.read ? family.read(raw) : { fields: input, renamed: {} as Record<string, string> };
	const parsed = hfConfig.safeParse(read.fields);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const path = issue.path.join('.');
		throw new ConfigError(`config.json: "${read.renamed[path] ?? (path || '(root)')}" ${issue.message.toLowerCase()}.`);
	}
	const c = parsed.data;
	const actField = c.hidden_activation !== undefined ? 'hidden_activation' : 'hidden_act';
	const actName = c[actField] ?? 'silu';
	const activation = Object.hasOwn(ACTIVATIONS, actName) ? ACTIVATIONS[actName] : undefined;
	if (!activation) {
		throw new ConfigError(`config.json: ${read.renamed[actField] ?? actField} ${quote(actName)} is not supported (supported: ${Object.keys(ACTIVATIONS).join(', ')}).`);
	}
	if (c.use_bidirectional_attention) throw new ConfigError('config.json: use_bidirectional_attention is not supported: the engine runs causal decoders only.');
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
	const { block } = family;
	const positionEncoding = block.learnedPositions ? 'learned' : (c.position_encoding ?? 'rope');
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
		ropeLocalTheta: c.rope_local_base_freq ?? null,
		norm: block.norm,
		normEps: c.rms_norm_eps ?? 1e-6,
		activation,
		gatedMlp: block.gatedMlp,
		qkNorm: block.qkNorm,
		outputNorms: block.outputNorms,
		scaleEmbeddings: block.scaleEmbeddings,
		queryPreAttnScalar: c.scale_attn_weights === false ? 1 : (c.query_pre_attn_scalar ?? headDim),
		scoreByLayer: c.scale_attn_by_inverse_layer_idx ?? false,
		attnSoftcap: c.attn_logit_softcapping ?? null,
		finalSoftcap: c.final_logit_softcapping ?? null,
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
	const { hiddenSize: d, heads, kvHeads, headDim, intermediateSize: f, vocabSize: v, layers, biases } = config;
	const qkv = (heads + 2 * kvHeads) * headDim;
	const attention = d * qkv + heads * headDim * d + (biases.qkv ? qkv : 0) + (biases.o ? d : 0);
	// gate and up (or up alone) into the MLP, down out of it.
	const inputs = config.gatedMlp ? 2 : 1;
	const mlp = (inputs + 1) * d * f + (biases.mlp ? inputs * f + d : 0);
	// LayerNorm (GPT-2) has a bias beside each scale.
	const norm = d * (config.norm === 'layer' ? 2 : 1);
	const norms = (config.outputNorms ? 4 : 2) * norm + (config.qkNorm ? 2 * headDim : 0);
	const positions = config.positionEncoding === 'learned' ? config.maxPositions * d : 0;
	return v * d * (config.tieWordEmbeddings ? 1 : 2) + positions + layers * (attention + mlp + norms) + norm;
}

/** Bytes of keys and values one token adds to the cache: 2 · layers · kv_heads · head_dim · bytes. */
export function kvBytesPerToken(config: ModelConfig, bytesPerValue = 4): number {
	return 2 * config.layers * config.kvHeads * config.headDim * bytesPerValue;
}
