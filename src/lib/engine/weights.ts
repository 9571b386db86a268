/** The model's tensors by role, checked against the config, in Hugging Face's [out, in] layout. */
import { blockSpec, type BlockSpec } from './block';
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
	oBias: Float32Array | null;
	postNorm: Float32Array;
	gate: Float32Array;
	up: Float32Array;
	down: Float32Array;
	gateBias: Float32Array | null;
	upBias: Float32Array | null;
	downBias: Float32Array | null;
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

const ROLES: (keyof LayerWeights)[] = ['inputNorm', 'q', 'k', 'v', 'qBias', 'kBias', 'vBias', 'o', 'oBias', 'postNorm', 'gate', 'up', 'down', 'gateBias', 'upBias', 'downBias'];

/** Where a role's values lie in the file: a whole tensor, or `count` of its rows from `from` (a fused projection). */
interface Source {
	tensor: TensorSpec;
	rows?: { from: number; count: number };
}

/**
 * Layer i's tensors by role, named and shaped as the block's checkpoints store them: one table
 * for checking and reading. Roles the block lacks (biases it has none of) are absent.
 */
function layerTensors(config: ModelConfig, spec: BlockSpec, i: number): Partial<Record<keyof LayerWeights, Source>> {
	const { hiddenSize: d, heads, kvHeads, headDim, intermediateSize: f } = config;
	const { biases, fused } = spec;
	const qOut = heads * headDim;
	const kvOut = kvHeads * headDim;
	const p = `model.layers.${i}.`;
	const whole = (name: string, shape: number[]): Source => ({ tensor: [name, shape] });
	/** Projections with `counts` outputs each: consecutive rows of the tensor `fusedName` where fused, else tensors of their own. */
	const projections = (fusedName: string | null, names: string[], counts: number[], suffix: string, rest: number[]): Source[] => {
		if (!fusedName) return names.map((name, b) => whole(`${name}.${suffix}`, [counts[b], ...rest]));
		const total = counts.reduce((a, b) => a + b, 0);
		return counts.map((count, b) => ({ tensor: [`${fusedName}.${suffix}`, [total, ...rest]], rows: { from: counts.slice(0, b).reduce((a, c) => a + c, 0), count } }));
	};
	const qkv = (suffix: string, rest: number[]) =>
		projections(fused.qkv ? `${p}self_attn.qkv_proj` : null, ['q', 'k', 'v'].map((x) => `${p}self_attn.${x}_proj`), [qOut, kvOut, kvOut], suffix, rest);
	const gateUp = (suffix: string, rest: number[]) => projections(fused.gateUp ? `${p}mlp.gate_up_proj` : null, [`${p}mlp.gate_proj`, `${p}mlp.up_proj`], [f, f], suffix, rest);
	const [q, k, v] = qkv('weight', [d]);
	const [gate, up] = gateUp('weight', [d]);
	const tensors: Partial<Record<keyof LayerWeights, Source>> = {
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
	return tensors;
}

/**
 * Checks the header against the config and the memory limit, reading no tensor data: every
 * tensor the model needs exists with its shape, the file holds no layers the config leaves out,
 * and the weights fit in `maxBytes` once converted to f32. Returns the tensors to read.
 */
export function planWeights(header: SafetensorsHeader, config: ModelConfig, maxBytes = BROWSER_MAX_WEIGHT_BYTES): Set<string> {
	const spec = blockSpec(config);
	const plan = new Set<string>();
	const need = ([name, shape]: TensorSpec) => {
		const entry = header.tensors.get(name);
		if (!entry) throw new WeightsError(`model.safetensors has no tensor "${name}" (expected shape [${shape.join(', ')}]).`);
		if (entry.shape.length !== shape.length || entry.shape.some((n, i) => n !== shape[i])) {
			throw new WeightsError(`Tensor "${name}" has shape ${dims(entry.shape)}; config.json implies ${dims(shape)}.`);
		}
		plan.add(name);
	};

	for (let i = 0; i < config.layers; i++) for (const source of Object.values(layerTensors(config, spec, i))) need(source.tensor);
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

	const spec = blockSpec(config);
	const layers = Array.from({ length: config.layers }, (_, i) => {
		const sources = layerTensors(config, spec, i);
		const read = new Map<string, Float32Array>();
		const values = (role: keyof LayerWeights): Float32Array | null => {
			const source = sources[role];
			if (!source) return null;
			const [name, shape] = source.tensor;
			const data = read.get(name) ?? take(name);
			read.set(name, data);
			if (!source.rows) return data;
			const width = shape.slice(1).reduce((a, b) => a * b, 1);
			return data.slice(source.rows.from * width, (source.rows.from + source.rows.count) * width);
		};
		return Object.fromEntries(ROLES.map((role) => [role, values(role)])) as unknown as LayerWeights;
	});
	const embed = take('model.embed_tokens.weight');
	const lmHead = config.tieWordEmbeddings ? embed : take('lm_head.weight');
	return { embed, layers, norm: take('model.norm.weight'), lmHead };
}
