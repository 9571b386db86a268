/**
 * The model's tensors by role, checked against the config, in Hugging Face's Linear layout
 * ([out, in]) whatever the checkpoint stores: fused projections are split and Conv1D weights
 * (GPT-2) transposed on reading.
 */
import { blockSpec } from './block';
import type { ModelConfig } from './config';
import { roundToDtype } from './dtypes';
import { quote } from '../quote';
import { dims, f32Bytes, type SafetensorsFile, type SafetensorsHeader } from './safetensors';
import { rowWidth, tables, type Source } from './tensor-names';
import { transpose } from './transpose';

export interface LayerWeights {
	inputNorm: Float32Array;
	inputNormBias: Float32Array | null;
	q: Float32Array;
	k: Float32Array;
	v: Float32Array;
	qBias: Float32Array | null;
	kBias: Float32Array | null;
	vBias: Float32Array | null;
	/** Per-head norms of queries and keys, [head_dim] (Gemma 3). */
	qNorm: Float32Array | null;
	kNorm: Float32Array | null;
	o: Float32Array;
	oBias: Float32Array | null;
	/** The attention output's norm before the residual (Gemma's post_attention_layernorm). */
	attnOutNorm: Float32Array | null;
	/** The norm before the MLP: Llama's post_attention_layernorm, Gemma's pre_feedforward_layernorm, GPT-2's ln_2. */
	postNorm: Float32Array;
	postNormBias: Float32Array | null;
	/** Absent in a plain MLP (GPT-2). */
	gate: Float32Array | null;
	up: Float32Array;
	down: Float32Array;
	gateBias: Float32Array | null;
	upBias: Float32Array | null;
	downBias: Float32Array | null;
	/** The MLP output's norm before the residual (Gemma's post_feedforward_layernorm). */
	mlpOutNorm: Float32Array | null;
}

export interface ModelWeights {
	embed: Float32Array;
	/** What token embeddings are multiplied by, rounded to their dtype as the model computes it. */
	embedScale: number;
	/** Learned absolute position embeddings [max positions, hidden] (GPT-2). */
	positions: Float32Array | null;
	layers: LayerWeights[];
	norm: Float32Array;
	normBias: Float32Array | null;
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

const ROLES: (keyof LayerWeights)[] = [
	'inputNorm', 'inputNormBias', 'q', 'k', 'v', 'qBias', 'kBias', 'vBias', 'qNorm', 'kNorm', 'o', 'oBias', 'attnOutNorm',
	'postNorm', 'postNormBias', 'gate', 'up', 'down', 'gateBias', 'upBias', 'downBias', 'mlpOutNorm'
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Checks the header against the config and the memory limit, reading no tensor data: every
 * tensor the model needs exists with its shape, the file holds no layers the config leaves out,
 * and the weights fit in `maxBytes` once converted to f32. Returns the tensors to read.
 */
export function planWeights(header: SafetensorsHeader, config: ModelConfig, maxBytes = BROWSER_MAX_WEIGHT_BYTES): Set<string> {
	const { naming, prefix, layers, top, lmHead } = tables(header, config);
	const plan = new Set<string>();
	const need = (source: Source | undefined) => {
		if (!source) return;
		const [name, shape] = source.tensor;
		const entry = header.tensors.get(name);
		if (!entry) throw new WeightsError(`model.safetensors has no tensor "${name}" (expected shape [${shape.join(', ')}]).`);
		if (entry.shape.length !== shape.length || entry.shape.some((n, i) => n !== shape[i])) {
			throw new WeightsError(`Tensor "${name}" has shape ${dims(entry.shape)}; config.json implies ${dims(shape)}.`);
		}
		plan.add(name);
	};

	for (const table of layers) Object.values(table).forEach(need);
	[top.embed, top.positions, lmHead, top.norm, top.normBias].forEach(need);

	// A config naming fewer layers than the file holds would run a truncated model without a word.
	const layerName = new RegExp(`^${escape(`${prefix}${naming.layerList}.`)}(\\d+)\\.`);
	let fileLayers = 0;
	for (const name of header.tensors.keys()) fileLayers = Math.max(fileLayers, Number(layerName.exec(name)?.[1] ?? -1) + 1);
	if (fileLayers > config.layers) {
		throw new WeightsError(`model.safetensors holds ${fileLayers} layers, but config.json names ${config.layers} (num_hidden_layers); use the config that came with these weights.`);
	}

	const bytes = [...plan].reduce((sum, name) => sum + f32Bytes(header.tensors.get(name)!), 0);
	if (bytes > maxBytes) throw new WeightsError(`The weights need ${size(bytes)} as f32, more than the ${size(maxBytes)} this runtime can hold; load a smaller model.`);
	return plan;
}

export function loadWeights(file: SafetensorsFile, config: ModelConfig, maxBytes = BROWSER_MAX_WEIGHT_BYTES): ModelWeights {
	planWeights(file, config, maxBytes);
	const { layers, top, lmHead } = tables(file, config);
	// Read after every check has passed; a non-finite weight poisons every output.
	const take = (name: string): Float32Array => {
		const data = file.read(name);
		for (let i = 0; i < data.length; i++) {
			if (!Number.isFinite(data[i])) throw new WeightsError(`Tensor ${quote(name)} holds ${data[i]} at index ${i} (of ${data.length}); the weights are corrupt or diverged in training.`);
		}
		return data;
	};
	// A fused tensor serves several roles of its layer: read (and transposed) once.
	let read = new Map<string, Float32Array>();
	const values = (source: Source | undefined): Float32Array | null => {
		if (!source) return null;
		const [name, shape] = source.tensor;
		let data = read.get(name);
		if (!data) {
			data = source.conv1d ? transpose(take(name), shape[0], shape[1]) : take(name);
			read.set(name, data);
		}
		if (!source.rows) return data;
		const width = rowWidth(source);
		return data.slice(source.rows.from * width, (source.rows.from + source.rows.count) * width);
	};

	const layerWeights = layers.map((table) => {
		read = new Map();
		// Roles the family's table leaves out are null; planWeights made sure the rest exist.
		const roles = {} as Record<keyof LayerWeights, Float32Array | null>;
		for (const role of ROLES) roles[role] = values(table[role]);
		return roles as LayerWeights;
	});
	const embed = values(top.embed)!;
	const { embedScale } = blockSpec(config);
	return {
		embed,
		embedScale: embedScale === 1 ? 1 : roundToDtype(embedScale, file.tensors.get(top.embed.tensor[0])!.dtype),
		positions: values(top.positions),
		layers: layerWeights,
		norm: values(top.norm)!,
		normBias: values(top.normBias),
		lmHead: values(lmHead) ?? embed
	};
}
