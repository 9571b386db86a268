/**
 * Models with the shapes of real checkpoints (SmolLM2-135M, Qwen2.5-0.5B) and seeded random
 * weights, for the engine benchmark: every width, head count, vocabulary and bias is the real
 * config's; only the depth is cut, so that a benchmark on a laptop's CPU ends in minutes. Each
 * layer costs the same, so the ratio to a fused graph of the same depth carries over.
 */
import { writeSafetensors } from '../src/lib/engine/safetensors';
import { createRng } from '../src/lib/random';

interface Shape {
	name: string;
	/** The real config.json, with `num_hidden_layers` cut to `layers`. */
	config: Record<string, unknown>;
	realLayers: number;
}

const SMOLLM2_135M: Shape = {
	name: 'SmolLM2-135M',
	realLayers: 30,
	config: {
		architectures: ['LlamaForCausalLM'],
		model_type: 'llama',
		hidden_size: 576,
		intermediate_size: 1536,
		num_attention_heads: 9,
		num_key_value_heads: 3,
		head_dim: 64,
		vocab_size: 49152,
		max_position_embeddings: 8192,
		rope_theta: 100000,
		rms_norm_eps: 1e-5,
		hidden_act: 'silu',
		attention_bias: false,
		mlp_bias: false,
		tie_word_embeddings: true,
		bos_token_id: 0,
		eos_token_id: 0
	}
};

const QWEN25_05B: Shape = {
	name: 'Qwen2.5-0.5B',
	realLayers: 24,
	config: {
		architectures: ['Qwen2ForCausalLM'],
		model_type: 'qwen2',
		hidden_size: 896,
		intermediate_size: 4864,
		num_attention_heads: 14,
		num_key_value_heads: 2,
		vocab_size: 151936,
		max_position_embeddings: 32768,
		max_window_layers: 24,
		sliding_window: 32768,
		use_sliding_window: false,
		rope_theta: 1000000,
		rms_norm_eps: 1e-6,
		hidden_act: 'silu',
		tie_word_embeddings: true,
		bos_token_id: 151643,
		eos_token_id: 151643
	}
};

/** Random weights for a Llama-block config (q/k/v biases for Qwen2), named as HF checkpoints are. */
function randomWeights(config: Record<string, unknown>, seed: number): Uint8Array {
	const rng = createRng(seed);
	// A sum of uniforms: close enough to normal for weights whose values mean nothing.
	const draw = (scale: number) => (rng.next() + rng.next() + rng.next() - 1.5) * 2 * scale;
	const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
	const add = (name: string, shape: number[], scale: number, around = 0) =>
		tensors.push({ name, shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => around + draw(scale)) });
	const D = config.hidden_size as number;
	const F = config.intermediate_size as number;
	const headDim = (config.head_dim as number | undefined) ?? D / (config.num_attention_heads as number);
	const qOut = (config.num_attention_heads as number) * headDim;
	const kvOut = (config.num_key_value_heads as number) * headDim;
	const biases = config.model_type === 'qwen2';
	add('model.embed_tokens.weight', [config.vocab_size as number, D], 1);
	for (let l = 0; l < (config.num_hidden_layers as number); l++) {
		const p = `model.layers.${l}.`;
		add(`${p}input_layernorm.weight`, [D], 0.1, 1);
		for (const [proj, out] of [['q_proj', qOut], ['k_proj', kvOut], ['v_proj', kvOut]] as const) {
			add(`${p}self_attn.${proj}.weight`, [out, D], 1 / Math.sqrt(D));
			if (biases) add(`${p}self_attn.${proj}.bias`, [out], 0.1);
		}
		add(`${p}self_attn.o_proj.weight`, [D, qOut], 1 / Math.sqrt(qOut));
		add(`${p}post_attention_layernorm.weight`, [D], 0.1, 1);
		add(`${p}mlp.gate_proj.weight`, [F, D], 1 / Math.sqrt(D));
		add(`${p}mlp.up_proj.weight`, [F, D], 1 / Math.sqrt(D));
		add(`${p}mlp.down_proj.weight`, [D, F], 1 / Math.sqrt(F));
	}
	add('model.norm.weight', [D], 0.1, 1);
	return writeSafetensors(tensors);
}

/** The benchmark's real-shape models, `layers` deep. */
export function realShapeModels(layers: number) {
	return [SMOLLM2_135M, QWEN25_05B].map((shape, i) => {
		const config = { ...shape.config, num_hidden_layers: layers };
		return { name: `${shape.name} shape, ${layers} of ${shape.realLayers} layers`, config, safetensors: randomWeights(config, 100 + i) };
	});
}
