/** The model's tensors by role, checked against the config, in Hugging Face's [out, in] layout. */
import { blockSpec } from './block';
import type { ModelConfig } from './config';
import { quote } from '../quote';
import { dims, f32Bytes, type SafetensorsFile, type SafetensorsHeader } from './safetensors';

export interface LayerWeights {
	inputNorm: Float32Array;
	q: Float32Array;
	k: Float32Array;
	v: Float32Array;
	qBias: Float32Array | null;
	kBias: Float32Array | null;
	vBias: Float32Array | null;
	o: Float32Array;
	postNorm: Float32Array;
	gate: Float32Array;
	up: Float32Array;
	down: Float32Array;
}

export interface ModelWeights {
	embed: Float32Array;
	layers: LayerWeights[];
	norm: Float32Array;
	lmHead: Float32Array;
}

export class WeightsError extends Error {
	override name = 'WeightsError';
}

/**
 * The most f32 weight bytes a load may plan for in the browser: every graph's weights pass
 * through onnxruntime-web's WASM memory (4 GiB at most), so a larger model cannot load there.
 */
export const BROWSER_MAX_WEIGHT_BYTES = 4 * 2 ** 30;

const size = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 10).toFixed(1)} KiB`);

type TensorSpec = [name: string, shape: number[]];

/** q/k/v biases exist in some families only (Qwen2); the block spec says where they must. */
const BIASES = new Set<keyof LayerWeights>(['qBias', 'kBias', 'vBias']);

/** Layer i's tensors by role, each with the shape config.json implies: one table for checking and reading. */
function layerTensors(config: ModelConfig, i: number): Record<keyof LayerWeights, TensorSpec> {
	const { hiddenSize: d, heads, kvHeads, headDim, intermediateSize: f } = config;
	const qOut = heads * headDim;
	const kvOut = kvHeads * headDim;
	const p = `model.layers.${i}.`;
	return {
		inputNorm: [`${p}input_layernorm.weight`, [d]],
		q: [`${p}self_attn.q_proj.weight`, [qOut, d]],
		k: [`${p}self_attn.k_proj.weight`, [kvOut, d]],
		v: [`${p}self_attn.v_proj.weight`, [kvOut, d]],
		qBias: [`${p}self_attn.q_proj.bias`, [qOut]],
		kBias: [`${p}self_attn.k_proj.bias`, [kvOut]],
		vBias: [`${p}self_attn.v_proj.bias`, [kvOut]],
		o: [`${p}self_attn.o_proj.weight`, [d, qOut]],
		postNorm: [`${p}post_attention_layernorm.weight`, [d]],
		gate: [`${p}mlp.gate_proj.weight`, [f, d]],
		up: [`${p}mlp.up_proj.weight`, [f, d]],
		down: [`${p}mlp.down_proj.weight`, [d, f]]
	};
}

/**
 * Checks the header against the config and the memory limit, reading no tensor data: every
 * tensor the model needs exists with its shape, the file holds no layers the config leaves out,
 * and the weights fit in `maxBytes` once converted to f32. Returns the tensors to read.
 */
export function planWeights(header: SafetensorsHeader, config: ModelConfig, maxBytes = BROWSER_MAX_WEIGHT_BYTES): Set<string> {
	const { qkvBias } = blockSpec(config);
	const plan = new Set<string>();
	const need = ([name, shape]: TensorSpec) => {
		const entry = header.tensors.get(name);
		if (!entry) throw new WeightsError(`model.safetensors has no tensor "${name}" (expected shape [${shape.join(', ')}]).`);
		if (entry.shape.length !== shape.length || entry.shape.some((n, i) => n !== shape[i])) {
			throw new WeightsError(`Tensor "${name}" has shape ${dims(entry.shape)}; config.json implies ${dims(shape)}.`);
		}
		plan.add(name);
	};

	for (let i = 0; i < config.layers; i++) {
		let biases = 0;
		for (const [role, spec] of Object.entries(layerTensors(config, i)) as [keyof LayerWeights, TensorSpec][]) {
			if (!BIASES.has(role)) need(spec);
			else if (header.tensors.has(spec[0])) {
				need(spec);
				biases++;
			}
		}
		if (qkvBias && biases < BIASES.size) {
			throw new WeightsError(`config.json asks for attention biases, but layer ${i} lacks q/k/v_proj.bias.`);
		}
	}
	const { hiddenSize: d, vocabSize: v } = config;
	need(['model.embed_tokens.weight', [v, d]]);
	if (!config.tieWordEmbeddings) need(['lm_head.weight', [v, d]]);
	need(['model.norm.weight', [d]]);

	// A config naming fewer layers than the file holds would run a truncated model without a word.
	let fileLayers = 0;
	for (const name of header.tensors.keys()) fileLayers = Math.max(fileLayers, Number(/^model\.layers\.(\d+)\./.exec(name)?.[1] ?? -1) + 1);
	if (fileLayers > config.layers) {
		throw new WeightsError(`model.safetensors holds ${fileLayers} layers, but config.json names ${config.layers} (num_hidden_layers); use the config that came with these weights.`);
	}

	const bytes = [...plan].reduce((sum, name) => sum + f32Bytes(header.tensors.get(name)!), 0);
	if (bytes > maxBytes) throw new WeightsError(`The weights need ${size(bytes)} as f32, more than the ${size(maxBytes)} this runtime can hold; load a smaller model.`);
	return plan;
}

export function loadWeights(file: SafetensorsFile, config: ModelConfig, maxBytes = BROWSER_MAX_WEIGHT_BYTES): ModelWeights {
	const plan = planWeights(file, config, maxBytes);
	// Read in plan order after every check has passed; a non-finite weight poisons every output.
	const take = (name: string): Float32Array => {
		const data = file.read(name);
		for (let i = 0; i < data.length; i++) {
			if (!Number.isFinite(data[i])) throw new WeightsError(`Tensor ${quote(name)} holds ${data[i]} at index ${i} (of ${data.length}); the weights are corrupt or diverged in training.`);
		}
		return data;
	};

	const layers = Array.from({ length: config.layers }, (_, i) => {
		const tensors = Object.entries(layerTensors(config, i)).map(([role, [name]]) => [role, plan.has(name) ? take(name) : null]);
		return Object.fromEntries(tensors) as LayerWeights;
	});
	const embed = take('model.embed_tokens.weight');
	const lmHead = config.tieWordEmbeddings ? embed : take('lm_head.weight');
	return { embed, layers, norm: take('model.norm.weight'), lmHead };
}
