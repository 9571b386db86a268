/**
 * Model presets: the fields of each model's published Hugging Face config.json that the cost
 * model needs, read through the same parser the engine uses.
 */
import { parseConfig, type ModelConfig } from '../engine/config';

export interface ModelPreset {
	id: string;
	name: string;
	/** Where the numbers come from. */
	source: string;
	/** The fields of its config.json given here, as published. */
	hf: Readonly<Record<string, unknown>>;
	config: ModelConfig;
}

const preset = (id: string, name: string, source: string, hf: Record<string, unknown>): ModelPreset => ({ id, name, source, hf, config: parseConfig(hf) });

export const MODEL_PRESETS: readonly ModelPreset[] = [
	preset('lab-rope', 'Longscope lab model (RoPE)', 'training/configs/lab-rope.json', {
		hidden_size: 96, intermediate_size: 256, num_hidden_layers: 3, num_attention_heads: 4, num_key_value_heads: 2,
		vocab_size: 259, tie_word_embeddings: true, max_position_embeddings: 256, tokenizer: 'bytes'
	}),
	// The real config.json of each model, as published (values for the cost model and the KV chart).
	preset('smollm2-135m', 'SmolLM2-135M', 'huggingface.co/HuggingFaceTB/SmolLM2-135M/blob/main/config.json', {
		architectures: ['LlamaForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 0, eos_token_id: 0, hidden_act: 'silu',
		hidden_size: 576, initializer_range: 0.041666666666666664, intermediate_size: 1536, is_llama_config: true, max_position_embeddings: 8192,
		mlp_bias: false, model_type: 'llama', num_attention_heads: 9, num_hidden_layers: 30, num_key_value_heads: 3, pretraining_tp: 1,
		rms_norm_eps: 1e-5, rope_interleaved: false, rope_scaling: null, rope_theta: 100000, tie_word_embeddings: true, torch_dtype: 'bfloat16',
		use_cache: true, vocab_size: 49152
	}),
	preset('smollm2-360m', 'SmolLM2-360M', 'huggingface.co/HuggingFaceTB/SmolLM2-360M/blob/main/config.json', {
		architectures: ['LlamaForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 0, eos_token_id: 0, hidden_act: 'silu',
		hidden_size: 960, initializer_range: 0.02, intermediate_size: 2560, is_llama_config: true, max_position_embeddings: 8192, mlp_bias: false,
		model_type: 'llama', num_attention_heads: 15, num_hidden_layers: 32, num_key_value_heads: 5, pretraining_tp: 1, rms_norm_eps: 1e-5,
		rope_interleaved: false, rope_scaling: null, rope_theta: 100000, tie_word_embeddings: true, torch_dtype: 'bfloat16', use_cache: true,
		vocab_size: 49152
	}),
	preset('llama-3.2-1b', 'Llama-3.2-1B', 'huggingface.co/meta-llama/Llama-3.2-1B/blob/main/config.json', {
		architectures: ['LlamaForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 128000, eos_token_id: 128001, head_dim: 64,
		hidden_act: 'silu', hidden_size: 2048, initializer_range: 0.02, intermediate_size: 8192, max_position_embeddings: 131072, mlp_bias: false,
		model_type: 'llama', num_attention_heads: 32, num_hidden_layers: 16, num_key_value_heads: 8, pretraining_tp: 1, rms_norm_eps: 1e-5,
		rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
		rope_theta: 500000.0, tie_word_embeddings: true, torch_dtype: 'bfloat16', use_cache: true, vocab_size: 128256
	}),
	preset('phi-3-mini-4k', 'Phi-3-mini-4k', 'huggingface.co/microsoft/Phi-3-mini-4k-instruct/blob/main/config.json', {
		architectures: ['Phi3ForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 1, embd_pdrop: 0.0, eos_token_id: 32000,
		hidden_act: 'silu', hidden_size: 3072, initializer_range: 0.02, intermediate_size: 8192, max_position_embeddings: 4096, model_type: 'phi3',
		num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 32, original_max_position_embeddings: 4096, pad_token_id: 32000,
		resid_pdrop: 0.0, rms_norm_eps: 1e-5, rope_scaling: null, rope_theta: 10000.0, sliding_window: 2047, tie_word_embeddings: false,
		torch_dtype: 'bfloat16', use_cache: true, vocab_size: 32064
	}),
	preset('smollm2-1.7b', 'SmolLM2-1.7B', 'huggingface.co/HuggingFaceTB/SmolLM2-1.7B/blob/main/config.json', {
		hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 24, num_attention_heads: 32, num_key_value_heads: 32,
		vocab_size: 49152, tie_word_embeddings: true, max_position_embeddings: 8192, rope_theta: 130000
	}),
	preset('qwen2.5-0.5b', 'Qwen2.5-0.5B', 'huggingface.co/Qwen/Qwen2.5-0.5B/blob/main/config.json', {
		architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151643, hidden_act: 'silu', hidden_size: 896,
		initializer_range: 0.02, intermediate_size: 4864, max_position_embeddings: 32768, max_window_layers: 24, model_type: 'qwen2',
		num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rms_norm_eps: 1e-6, rope_theta: 1000000.0, sliding_window: 32768,
		tie_word_embeddings: true, torch_dtype: 'bfloat16', use_cache: true, use_mrope: false, use_sliding_window: false, vocab_size: 151936
	}),
	preset('llama-2-7b', 'Llama-2-7B', 'huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json', {
		hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 32,
		vocab_size: 32000, max_position_embeddings: 4096
	}),
	preset('llama-3-8b', 'Llama-3-8B', 'huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json', {
		hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8,
		vocab_size: 128256, max_position_embeddings: 8192, rope_theta: 500000
	}),
	preset('llama-3-70b', 'Llama-3-70B', 'huggingface.co/meta-llama/Meta-Llama-3-70B/blob/main/config.json', {
		hidden_size: 8192, intermediate_size: 28672, num_hidden_layers: 80, num_attention_heads: 64, num_key_value_heads: 8,
		vocab_size: 128256, max_position_embeddings: 8192, rope_theta: 500000
	}),
	preset('mistral-7b', 'Mistral-7B-v0.1', 'huggingface.co/mistralai/Mistral-7B-v0.1/blob/main/config.json', {
		architectures: ['MistralForCausalLM'], bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu', hidden_size: 4096, initializer_range: 0.02,
		intermediate_size: 14336, max_position_embeddings: 32768, model_type: 'mistral', num_attention_heads: 32, num_hidden_layers: 32,
		num_key_value_heads: 8, rms_norm_eps: 1e-5, rope_theta: 10000.0, sliding_window: 4096, tie_word_embeddings: false, torch_dtype: 'bfloat16',
		use_cache: true, vocab_size: 32000
	}),
	preset('gpt2', 'GPT-2 (124M)', 'huggingface.co/openai-community/gpt2/blob/main/config.json', {
		activation_function: 'gelu_new', architectures: ['GPT2LMHeadModel'], attn_pdrop: 0.1, bos_token_id: 50256, embd_pdrop: 0.1, eos_token_id: 50256,
		initializer_range: 0.02, layer_norm_epsilon: 1e-5, model_type: 'gpt2', n_ctx: 1024, n_embd: 768, n_head: 12, n_layer: 12, n_positions: 1024,
		resid_pdrop: 0.1, summary_activation: null, summary_first_dropout: 0.1, summary_proj_to_labels: true, summary_type: 'cls_index',
		summary_use_proj: true, task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } }, vocab_size: 50257
	}),
	preset('gemma-3-270m', 'Gemma-3-270M', 'huggingface.co/google/gemma-3-270m/blob/main/config.json', {
		_sliding_window_pattern: 6, architectures: ['Gemma3ForCausalLM'], attention_bias: false, attention_dropout: 0.0, attn_logit_softcapping: null,
		bos_token_id: 2, eos_token_id: 1, final_logit_softcapping: null, head_dim: 256, hidden_activation: 'gelu_pytorch_tanh', hidden_size: 640,
		initializer_range: 0.02, intermediate_size: 2048, layer_types: Array.from({ length: 18 }, (_, i) => ((i + 1) % 6 ? 'sliding_attention' : 'full_attention')),
		max_position_embeddings: 32768, model_type: 'gemma3_text', num_attention_heads: 4, num_hidden_layers: 18, num_key_value_heads: 1, pad_token_id: 0,
		query_pre_attn_scalar: 256, rms_norm_eps: 1e-6, rope_local_base_freq: 10000.0, rope_scaling: null, rope_theta: 1000000.0, sliding_window: 512,
		torch_dtype: 'bfloat16', transformers_version: '4.55.0.dev0', use_bidirectional_attention: false, use_cache: true, vocab_size: 262144
	})
];

export function findModelPreset(id: string): ModelPreset | undefined {
	return MODEL_PRESETS.find((p) => p.id === id);
}
