/**
 * The model's tensors by role, checked against the config, in Hugging Face's Linear layout
 * ([out, in]) whatever the checkpoint stores: fused projections are split and Conv1D weights
 * (GPT-2) transposed on reading.
 */
import { blockSpec, type BlockSpec } from './block';
import type { ModelConfig } from './config';
import { quote } from '../quote';
import { dims, f32Bytes, roundToDtype, type SafetensorsFile, type SafetensorsHeader } from './safetensors';
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

type TensorSpec = [name: string, shape: number[]];

const ROLES: (keyof LayerWeights)[] = [
	'inputNorm', 'inputNormBias', 'q', 'k', 'v', 'qBias', 'kBias', 'vBias', 'qNorm', 'kNorm', 'o', 'oBias', 'attnOutNorm',
	'postNorm', 'postNormBias', 'gate', 'up', 'down', 'gateBias', 'upBias', 'downBias', 'mlpOutNorm'
];

/**
 * Where a role's values lie in the file: a whole tensor, or `count` of its rows from `from` (a
 * fused projection), rows counted after a Conv1D weight ([in, out], GPT-2) is transposed.
 */
interface Source {
	tensor: TensorSpec;
	rows?: { from: number; count: number };
	conv1d?: boolean;
}

type LayerTable = Partial<Record<keyof LayerWeights, Source>>;

/** How a family's checkpoints name their tensors. */
interface Naming {
	/** What checkpoints put before the model's own names (multimodal wrappers, base-model prefixes), most common first. */
	prefixes: string[];
	/** The path of the layer list under the prefix. */
	layerList: string;
	/** Layer i's tensors by role, their names starting with `p`; roles the block lacks are absent. */
	layer(config: ModelConfig, spec: BlockSpec, p: string): LayerTable;
	top(config: ModelConfig, prefix: string): { embed: Source; positions?: Source; norm: Source; normBias?: Source };
}

const whole = (name: string, shape: number[]): Source => ({ tensor: [name, shape] });

/** Projections with `counts` outputs each: consecutive rows of the tensor `fusedName` where fused, else tensors of their own. */
function projections(fusedName: string | null, names: string[], counts: number[], suffix: string, rest: number[]): Source[] {
	if (!fusedName) return names.map((name, b) => whole(`${name}.${suffix}`, [counts[b], ...rest]));
	const total = counts.reduce((a, b) => a + b, 0);
	return counts.map((count, b) => ({ tensor: [`${fusedName}.${suffix}`, [total, ...rest]], rows: { from: counts.slice(0, b).reduce((a, c) => a + c, 0), count } }));
}

const LLAMA_NAMES: Naming = {
	// Gemma 3's multimodal checkpoints hold the text model under language_model (older and newer transformers).
	prefixes: ['model.', 'language_model.model.', 'model.language_model.'],
	layerList: 'layers',
	layer: (config, spec, p) => {
		const { hiddenSize: d, heads, kvHeads, headDim, intermediateSize: f } = config;
		const { biases, fused } = spec;
		const qOut = heads * headDim;
		const kvOut = kvHeads * headDim;
		const qkv = (suffix: string, rest: number[]) =>
			projections(fused.qkv ? `${p}self_attn.qkv_proj` : null, ['q', 'k', 'v'].map((x) => `${p}self_attn.${x}_proj`), [qOut, kvOut, kvOut], suffix, rest);
		const gateUp = (suffix: string, rest: number[]) => projections(fused.gateUp ? `${p}mlp.gate_up_proj` : null, [`${p}mlp.gate_proj`, `${p}mlp.up_proj`], [f, f], suffix, rest);
		const [q, k, v] = qkv('weight', [d]);
		const [gate, up] = gateUp('weight', [d]);
		const tensors: LayerTable = {
			inputNorm: whole(`${p}input_layernorm.weight`, [d]),
			q,
			k,
			v,
			o: whole(`${p}self_attn.o_proj.weight`, [d, qOut]),
			postNorm: whole(`${p}post_attention_layernorm.weight`, [d]),
			gate,
			up,
			down: whole(`${p}mlp.down_proj.weight`, [d, f])
		};
		if (biases.qkv) [tensors.qBias, tensors.kBias, tensors.vBias] = qkv('bias', []);
		if (biases.o) tensors.oBias = whole(`${p}self_attn.o_proj.bias`, [d]);
		if (biases.mlp) {
			[tensors.gateBias, tensors.upBias] = gateUp('bias', []);
			tensors.downBias = whole(`${p}mlp.down_proj.bias`, [d]);
		}
		if (spec.qkNorm) {
			tensors.qNorm = whole(`${p}self_attn.q_norm.weight`, [headDim]);
			tensors.kNorm = whole(`${p}self_attn.k_norm.weight`, [headDim]);
		}
		// With output norms, post_attention_layernorm normalises the attention output, and the MLP's input has its own.
		if (spec.outputNorms) {
			tensors.attnOutNorm = tensors.postNorm;
			tensors.postNorm = whole(`${p}pre_feedforward_layernorm.weight`, [d]);
			tensors.mlpOutNorm = whole(`${p}post_feedforward_layernorm.weight`, [d]);
		}
		return tensors;
	},
	top: (config, prefix) => ({
		embed: whole(`${prefix}embed_tokens.weight`, [config.vocabSize, config.hiddenSize]),
		norm: whole(`${prefix}norm.weight`, [config.hiddenSize])
	})
};

const GPT2_NAMES: Naming = {
	// The original checkpoints name GPT2Model's tensors; GPT2LMHeadModel saves them under transformer.
	prefixes: ['', 'transformer.'],
	layerList: 'h',
	layer: (config, _spec, p) => {
		const { hiddenSize: d, intermediateSize: f } = config;
		const conv = (name: string, inn: number, out: number): Source => ({ tensor: [`${p}${name}`, [inn, out]], conv1d: true });
		// c_attn holds q, k and v side by side: [d, 3d], rows of its transpose.
		const [q, k, v] = [0, 1, 2].map((b): Source => ({ ...conv('attn.c_attn.weight', d, 3 * d), rows: { from: b * d, count: d } }));
		const [qBias, kBias, vBias] = projections(`${p}attn.c_attn`, ['q', 'k', 'v'], [d, d, d], 'bias', []);
		return {
			inputNorm: whole(`${p}ln_1.weight`, [d]),
			inputNormBias: whole(`${p}ln_1.bias`, [d]),
			q,
			k,
			v,
			qBias,
			kBias,
			vBias,
			o: conv('attn.c_proj.weight', d, d),
			oBias: whole(`${p}attn.c_proj.bias`, [d]),
			postNorm: whole(`${p}ln_2.weight`, [d]),
			postNormBias: whole(`${p}ln_2.bias`, [d]),
			up: conv('mlp.c_fc.weight', d, f),
			upBias: whole(`${p}mlp.c_fc.bias`, [f]),
			down: conv('mlp.c_proj.weight', f, d),
			downBias: whole(`${p}mlp.c_proj.bias`, [d])
		};
	},
	top: (config, prefix) => ({
		embed: whole(`${prefix}wte.weight`, [config.vocabSize, config.hiddenSize]),
		positions: whole(`${prefix}wpe.weight`, [config.maxPositions, config.hiddenSize]),
		norm: whole(`${prefix}ln_f.weight`, [config.hiddenSize]),
		normBias: whole(`${prefix}ln_f.bias`, [config.hiddenSize])
	})
};

/** Every tensor of the model by layer and role, under the prefix this file uses. */
function tables(header: SafetensorsHeader, config: ModelConfig) {
	const naming = config.modelType === 'gpt2' ? GPT2_NAMES : LLAMA_NAMES;
	const spec = blockSpec(config);
	const prefix = naming.prefixes.find((p) => header.tensors.has(naming.top(config, p).embed.tensor[0])) ?? naming.prefixes[0];
	const layers = Array.from({ length: config.layers }, (_, i) => naming.layer(config, spec, `${prefix}${naming.layerList}.${i}.`));
	const lmHead = config.tieWordEmbeddings ? undefined : whole('lm_head.weight', [config.vocabSize, config.hiddenSize]);
	return { naming, prefix, layers, top: naming.top(config, prefix), lmHead };
}

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
		const width = source.conv1d ? shape[0] : shape.slice(1).reduce((a, b) => a * b, 1);
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
