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
	config: ModelConfig;
}

const preset = (id: string, name: string, source: string, hf: Record<string, unknown>): ModelPreset => ({ id, name, source, config: parseConfig(hf) });

export const MODEL_PRESETS: readonly ModelPreset[] = [
	preset('lab-rope', 'Longscope lab model (RoPE)', 'training/configs/lab-rope.json', {
		hidden_size: 96, intermediate_size: 256, num_hidden_layers: 3, num_attention_heads: 4, num_key_value_heads: 2,
		vocab_size: 259, tie_word_embeddings: true, max_position_embeddings: 256, tokenizer: 'bytes'
	}),
	preset('smollm2-135m', 'SmolLM2-135M', 'huggingface.co/HuggingFaceTB/SmolLM2-135M/blob/main/config.json', {
		hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3,
		vocab_size: 49152, tie_word_embeddings: true, max_position_embeddings: 8192, rope_theta: 100000
	}),
	preset('smollm2-360m', 'SmolLM2-360M', 'huggingface.co/HuggingFaceTB/SmolLM2-360M/blob/main/config.json', {
		hidden_size: 960, intermediate_size: 2560, num_hidden_layers: 32, num_attention_heads: 15, num_key_value_heads: 5,
		vocab_size: 49152, tie_word_embeddings: true, max_position_embeddings: 8192, rope_theta: 100000
	}),
	preset('smollm2-1.7b', 'SmolLM2-1.7B', 'huggingface.co/HuggingFaceTB/SmolLM2-1.7B/blob/main/config.json', {
		hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 24, num_attention_heads: 32, num_key_value_heads: 32,
		vocab_size: 49152, tie_word_embeddings: true, max_position_embeddings: 8192, rope_theta: 130000
	}),
	preset('qwen2.5-0.5b', 'Qwen2.5-0.5B', 'huggingface.co/Qwen/Qwen2.5-0.5B/blob/main/config.json', {
		model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2,
		vocab_size: 151936, tie_word_embeddings: true, max_position_embeddings: 32768, rope_theta: 1000000
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
		model_type: 'mistral', hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8,
		vocab_size: 32000, max_position_embeddings: 32768
	})
];

export function findModelPreset(id: string): ModelPreset | undefined {
	return MODEL_PRESETS.find((p) => p.id === id);
}
