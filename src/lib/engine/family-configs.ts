/**
 * How the families that name or default their config fields otherwise than Llama's read a
 * config.json (their transformers config classes): into the field names parseConfig reads, with
 * the class's defaults where the file has no value (what a config.json leaves out means its
 * class's default, not ours). `renamed` says which of the file's fields each one came from.
 */
import { quote } from '../quote';
import { ConfigError } from './errors';

export type ConfigReader = (raw: Record<string, unknown>) => { fields: Record<string, unknown>; renamed: Record<string, string> };

/** GPT2Config's attribute_map, and the fields it names differently from Llama's. */
const GPT2_NAMES: Record<string, string> = {
	n_embd: 'hidden_size',
	n_layer: 'num_hidden_layers',
	n_head: 'num_attention_heads',
	n_positions: 'max_position_embeddings',
	n_inner: 'intermediate_size',
	// The norm's ε, read as rms_norm_eps whatever the norm.
	layer_norm_epsilon: 'rms_norm_eps',
	activation_function: 'hidden_act'
};

const GPT2_DEFAULTS = {
	vocab_size: 50257,
	n_positions: 1024,
	n_embd: 768,
	n_layer: 12,
	n_head: 12,
	activation_function: 'gelu_new',
	layer_norm_epsilon: 1e-5,
	scale_attn_weights: true,
	scale_attn_by_inverse_layer_idx: false,
	tie_word_embeddings: true,
	bos_token_id: 50256,
	eos_token_id: 50256
};

/** Gemma3TextConfig's defaults (a multimodal gemma3 config's text_config lists only what differs). */
const GEMMA3_TEXT_DEFAULTS = {
	vocab_size: 262208,
	hidden_size: 2304,
	intermediate_size: 9216,
	num_hidden_layers: 26,
	num_attention_heads: 8,
	num_key_value_heads: 4,
	head_dim: 256,
	hidden_activation: 'gelu_pytorch_tanh',
	max_position_embeddings: 131072,
	rms_norm_eps: 1e-6,
	bos_token_id: 2,
	eos_token_id: 1,
	tie_word_embeddings: true,
	rope_theta: 1_000_000,
	attention_bias: false,
	query_pre_attn_scalar: 256,
	sliding_window: 4096,
	sliding_window_pattern: 6,
	rope_local_base_freq: 10_000,
	final_logit_softcapping: null,
	attn_logit_softcapping: null
};

const present = (raw: Record<string, unknown>) => Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== null && value !== undefined));

export const readGpt2: ConfigReader = (raw) => {
	const file = { ...GPT2_DEFAULTS, ...present(raw) };
	const fields: Record<string, unknown> = { ...file };
	const renamed: Record<string, string> = {};
	for (const [from, to] of Object.entries(GPT2_NAMES)) {
		if (fields[to] !== undefined || file[from as keyof typeof file] === undefined) continue;
		fields[to] = file[from as keyof typeof file];
		renamed[to] = from;
	}
	// n_inner: null (the published configs) means 4 · n_embd.
	fields.intermediate_size ??= 4 * (fields.hidden_size as number);
	return { fields, renamed };
};

/**
 * transformers 5 writes Gemma 3's RoPE per layer type (`rope_parameters.full_attention` and
 * `.sliding_attention`): read as the older fields, the full layers' dict as rope_scaling.
 */
function perLayerTypeRope(raw: Record<string, unknown>): Record<string, unknown> {
	const parameters = raw.rope_parameters as Record<string, Record<string, unknown> | undefined> | null | undefined;
	if (typeof parameters !== 'object' || parameters === null || !('full_attention' in parameters || 'sliding_attention' in parameters)) return raw;
	const { full_attention: full, sliding_attention: sliding } = parameters;
	if (sliding?.rope_type !== undefined && sliding.rope_type !== 'default') {
		throw new ConfigError(`config.json: "rope_parameters.sliding_attention.rope_type" is ${quote(sliding.rope_type)}; the lab scales the full-attention layers' RoPE only, as Gemma 3 does.`);
	}
	const { rope_parameters: _, ...rest } = raw;
	return { ...rest, rope_theta: full?.rope_theta, rope_scaling: full, rope_local_base_freq: sliding?.rope_theta };
}

export const readGemma3Text: ConfigReader = (raw) => ({ fields: { ...GEMMA3_TEXT_DEFAULTS, ...present(perLayerTypeRope(raw)) }, renamed: {} });

/** A multimodal Gemma 3 config's text model; its token ids may sit at the top level. */
export const readGemma3: ConfigReader = (raw) => {
	const text = typeof raw.text_config === 'object' && raw.text_config !== null ? (raw.text_config as Record<string, unknown>) : {};
	const renamed = Object.fromEntries(Object.keys(text).map((key) => [key, `text_config.${key}`]));
	return { fields: readGemma3Text({ bos_token_id: raw.bos_token_id, eos_token_id: raw.eos_token_id, ...text }).fields, renamed };
};
