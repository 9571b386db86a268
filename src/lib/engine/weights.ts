/** The model's tensors by role, checked against the config, in Hugging Face's [out, in] layout. */
import type { ModelConfig } from './config';
import type { SafetensorsFile } from './safetensors';

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

export function loadWeights(file: SafetensorsFile, config: ModelConfig): ModelWeights {
	const take = (name: string, shape: number[]): Float32Array => {
		const entry = file.tensors.get(name);
		if (!entry) throw new WeightsError(`model.safetensors has no tensor "${name}" (expected shape [${shape.join(', ')}]).`);
		if (entry.shape.length !== shape.length || entry.shape.some((n, i) => n !== shape[i])) {
			throw new WeightsError(`Tensor "${name}" has shape [${entry.shape.join(', ')}]; config.json implies [${shape.join(', ')}].`);
		}
		return file.read(name);
	};
	const optional = (name: string, shape: number[]) => (file.tensors.has(name) ? take(name, shape) : null);

	const { hiddenSize: d, heads, kvHeads, headDim, intermediateSize: f, vocabSize: v } = config;
	const qOut = heads * headDim;
	const kvOut = kvHeads * headDim;
	const layers = Array.from({ length: config.layers }, (_, i) => {
		const p = `model.layers.${i}.`;
		const layer: LayerWeights = {
			inputNorm: take(`${p}input_layernorm.weight`, [d]),
			q: take(`${p}self_attn.q_proj.weight`, [qOut, d]),
			k: take(`${p}self_attn.k_proj.weight`, [kvOut, d]),
			v: take(`${p}self_attn.v_proj.weight`, [kvOut, d]),
			qBias: optional(`${p}self_attn.q_proj.bias`, [qOut]),
			kBias: optional(`${p}self_attn.k_proj.bias`, [kvOut]),
			vBias: optional(`${p}self_attn.v_proj.bias`, [kvOut]),
			o: take(`${p}self_attn.o_proj.weight`, [d, qOut]),
			postNorm: take(`${p}post_attention_layernorm.weight`, [d]),
			gate: take(`${p}mlp.gate_proj.weight`, [f, d]),
			up: take(`${p}mlp.up_proj.weight`, [f, d]),
			down: take(`${p}mlp.down_proj.weight`, [d, f])
		};
		if (config.attentionBias && !(layer.qBias && layer.kBias && layer.vBias)) {
			throw new WeightsError(`config.json asks for attention biases, but layer ${i} lacks q/k/v_proj.bias.`);
		}
		return layer;
	});
	const embed = take('model.embed_tokens.weight', [v, d]);
	const lmHead = config.tieWordEmbeddings ? embed : take('lm_head.weight', [v, d]);
	return { embed, layers, norm: take('model.norm.weight', [d]), lmHead };
}
