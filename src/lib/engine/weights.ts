/**
 * The model's tensors by role, checked against the config, in Hugging Face's Linear layout
 * ([out, in]) whatever the checkpoint stores: fused projections are split and Conv1D weights
 * (GPT-2) transposed on reading. The engine reads them a graph at a time (weightReader): a
 * layer's f32 arrays live only until onnxruntime holds its own copy, and the embedding tables stay
 * in the checkpoint's dtype. The reference reads every tensor as f32 at once (loadWeights).
 */
import { blockSpec } from './block';
import type { ModelConfig } from './config';
import { DTYPE_BYTES, firstNonFinite, roundToDtype, toFloat32 } from './dtypes';
import { RowTable, type Embeddings } from './embeddings';
import { WASM_HEAP_BYTES, loadRefusal, wasmLimits, weightMemory, type RuntimeLimits, type WeightMemory } from './memory-plan';
import { quote } from '../quote';
import { dims, type SafetensorsFile, type SafetensorsHeader } from './safetensors';
import { POST_ROLES, PRE_ROLES, rowWidth, tables, type LayerTable, type Source } from './tensor-names';
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

/** The head's graph: the final norm and the LM head (the token embeddings where they are tied). */
export interface HeadWeights {
	norm: Float32Array;
	normBias: Float32Array | null;
	lmHead: Float32Array;
}

export interface ModelWeights extends HeadWeights {
	embed: Float32Array;
	/** What token embeddings are multiplied by, rounded to their dtype as the model computes it. */
	embedScale: number;
	/** Learned absolute position embeddings [max positions, hidden] (GPT-2). */
	positions: Float32Array | null;
	layers: LayerWeights[];
}

export class WeightsError extends Error {
	override name = 'WeightsError';
}

/** The most f32 weight bytes a browser tab can load on the WASM EP: onnxruntime's wasm32 heap holds them all. */
export const BROWSER_MAX_WEIGHT_BYTES = WASM_HEAP_BYTES;

const ROLES = [...PRE_ROLES, ...POST_ROLES];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Checks the header against the config, reading no tensor data: every tensor the model needs
 * exists with its shape, and the file holds no layers the config leaves out. Returns the tensors
 * to read.
 */
function checkTensors(header: SafetensorsHeader, config: ModelConfig): Set<string> {
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
	return plan;
}

/** The weights' memory in the runtime of `limits`, refused with its numbers where it does not fit (memory-plan.ts). */
export function fittingWeights(header: SafetensorsHeader, config: ModelConfig, limits: RuntimeLimits): WeightMemory {
	const memory = weightMemory(header, config, limits);
	const refusal = loadRefusal(memory, limits);
	if (refusal) throw new WeightsError(refusal);
	return memory;
}

/**
 * Checks the header against the config and, unless `limits` is null, the memory plan of that
 * runtime (a browser tab on the WASM EP by default), reading no tensor data. Returns the tensors
 * to read.
 */
export function planWeights(header: SafetensorsHeader, config: ModelConfig, limits: RuntimeLimits | null = wasmLimits()): Set<string> {
	const plan = checkTensors(header, config);
	if (limits) fittingWeights(header, config, limits);
	return plan;
}

/** A buffer of its own: a view into a whole file held in memory would keep the file alive. */
const own = (bytes: Uint8Array) => (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());

/** Reads a checked file's tensors by role, one graph's worth at a time. */
export function weightReader(file: SafetensorsFile, config: ModelConfig) {
	const { layers, top, lmHead } = tables(file, config);
	// Read after every check has passed; a non-finite weight poisons every output.
	const raw = (name: string) => {
		const { dtype } = file.tensors.get(name)!;
		const bytes = file.bytes(name);
		const at = firstNonFinite(bytes, dtype);
		if (at >= 0) {
			const size = DTYPE_BYTES[dtype];
			const value = toFloat32(bytes.subarray(at * size, (at + 1) * size), dtype)[0];
			throw new WeightsError(`Tensor ${quote(name)} holds ${value} at index ${at} (of ${bytes.byteLength / size}); the weights are corrupt or diverged in training.`);
		}
		return { bytes, dtype };
	};
	const f32 = (name: string) => {
		const { bytes, dtype } = raw(name);
		return toFloat32(bytes, dtype);
	};
	/** A graph's roles, each fused tensor read (and transposed) once for all the roles it serves. */
	const reading = () => {
		const read = new Map<string, Float32Array>();
		return (source: Source | undefined): Float32Array | null => {
			if (!source) return null;
			const [name, shape] = source.tensor;
			let data = read.get(name);
			if (!data) {
				data = source.conv1d ? transpose(f32(name), shape[0], shape[1]) : f32(name);
				read.set(name, data);
			}
			if (!source.rows) return data;
			const width = rowWidth(source);
			return data.slice(source.rows.from * width, (source.rows.from + source.rows.count) * width);
		};
	};
	const table = (source: Source) => {
		const { bytes, dtype } = raw(source.tensor[0]);
		const [rows, width] = source.tensor[1];
		return new RowTable(own(bytes), dtype, rows, width);
	};
	const { embedScale } = blockSpec(config);
	const scale = embedScale === 1 ? 1 : roundToDtype(embedScale, file.tensors.get(top.embed.tensor[0])!.dtype);
	return {
		layer(i: number): LayerWeights {
			const values = reading();
			// Roles the family's table leaves out are null; checkTensors made sure the rest exist.
			const roles = {} as Record<keyof LayerWeights, Float32Array | null>;
			const layer: LayerTable = layers[i];
			for (const role of ROLES) roles[role] = values(layer[role]);
			return roles as LayerWeights;
		},
		head(): HeadWeights {
			const values = reading();
			return { norm: values(top.norm)!, normBias: values(top.normBias), lmHead: values(lmHead ?? top.embed)! };
		},
		embeddings(): Embeddings {
			return { tokens: table(top.embed), scale, positions: top.positions ? table(top.positions) : null };
		},
		/** The embedding tables as f32, whole. */
		f32Embeddings() {
			const values = reading();
			return { embed: values(top.embed)!, embedScale: scale, positions: values(top.positions) };
		}
	};
}

/** Every tensor as f32 at once, for the reference forward pass and the benchmark's fused graph. */
export function loadWeights(file: SafetensorsFile, config: ModelConfig): ModelWeights {
	checkTensors(file, config);
	const reader = weightReader(file, config);
	return { ...reader.head(), ...reader.f32Embeddings(), layers: Array.from({ length: config.layers }, (_, i) => reader.layer(i)) };
}
