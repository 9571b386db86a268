/**
 * The memory plan: what a model and a context take in each place the runtime holds them, checked
 * against that place's limit before a model loads and before a call runs, so that what cannot fit
 * is refused with its numbers and what to change, instead of failing deep in onnxruntime (an
 * abort in the wasm heap, a lost WebGPU device) or taking the tab or the machine down.
 *
 *   onnxruntime's heap (wasm32: 4 GiB at most): the WASM EP's weights as f32, a graph's copies while
 *     its session is created, and each call's tensors.
 *   WebGPU buffers: each weight and each tensor of a call is a buffer of its own, bound whole.
 *   JavaScript: the embedding tables as the checkpoint stores them, the KV cache, a call's copies.
 *   All of it together within what the process may give the model (Node: half of RAM).
 */
import { kvBytesPerToken, type ModelConfig } from './config';
import { DTYPE_BYTES } from './dtypes';
import { cacheCapacity } from './kv-cache';
import type { ExecutionProvider } from './runtime';
import type { SafetensorsHeader } from './safetensors';
import { MATRIX_ROLES, POST_ROLES, PRE_ROLES, elements, tables, type Source } from './tensor-names';

/** onnxruntime-web's heap can grow to 65 536 wasm pages (wasm32): in Node as in a browser. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

/** What the lab lets one browser tab give a model: its wasm heap and 2 GiB of JavaScript buffers. */
const BROWSER_TAB_BYTES = WASM_HEAP_BYTES + 2 * 2 ** 30;

/**
 * Bytes of onnxruntime's heap per byte of weights once the sessions exist: MLAS packs each
 * MatMul's weights for its kernels and keeps the packed copy in their place (measured: 60
 * sessions of 4 MiB grew the heap by 0.85 bytes per byte, reusing space an earlier one freed).
 */
const RESIDENT = 1.05;

/**
 * Copies of a session's weights in onnxruntime's heap while it is created on WASM: the weights
 * and their packed copy (measured: a 256 MiB MatMul grew a fresh heap by 506 MiB). On WebGPU the
 * weights go from JavaScript straight to the GPU (external data).
 */
const LOAD_COPIES = 2;

/** JavaScript's copies of a graph's weights while it is built: as read, and transposed for MatMul. */
const BUILD_COPIES = 2;

/**
 * A prefill chunk's score block stays under this many floats (128 MiB) even where more would fit:
 * larger chunks gain no speed, and a tab's memory is better left to the KV cache.
 */
const COMFORTABLE_SCORE_FLOATS = 32 * 2 ** 20;

/**
 * Nor is a chunk longer than this many rows: shorter chunks run faster, not slower (at 4 096
 * tokens on the lab model, full attention's prefill took 866 ms in chunks of 256, 905 ms in 512
 * and 1 106 ms in 1 984), and a sparse pattern then gathers only the keys near each chunk.
 */
const COMFORTABLE_CHUNK_ROWS = 512;

export interface RuntimeLimits {
	ep: ExecutionProvider;
	/** Bytes onnxruntime's heap can grow to. */
	wasmHeap: number;
	/** WebGPU: the largest buffer a shader binds (maxBufferSize, maxStorageBufferBindingSize); null on WASM. */
	gpuBuffer: number | null;
	/** The sessions keep f16 and bf16 matrices in f16 (WebGPU with shader-f16); otherwise every weight is f32. */
	halfWeights: boolean;
	/** Bytes the process may give the model in all, onnxruntime's heap included. */
	total: number;
}

export const wasmLimits = (total = BROWSER_TAB_BYTES): RuntimeLimits => ({ ep: 'wasm', wasmHeap: WASM_HEAP_BYTES, gpuBuffer: null, halfWeights: false, total });

/** What the WebGPU device onnxruntime created offers (a GPUDevice, which these types need not name). */
export interface GpuDeviceInfo {
	limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
	features: { has(feature: string): boolean };
}

export const webgpuLimits = (device: GpuDeviceInfo, total = BROWSER_TAB_BYTES): RuntimeLimits => ({
	ep: 'webgpu',
	wasmHeap: WASM_HEAP_BYTES,
	gpuBuffer: Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize),
	halfWeights: device.features.has('shader-f16'),
	total
});

/** The model's weights as the runtime will hold them, from the header alone. */
export interface WeightMemory {
	/** Bytes of each session's weights, in the order they load: the head, then each layer's pre and post. */
	sessions: number[];
	/** The largest matrix, as f32: a WebGPU buffer of its own, or its f32 cast in a call. */
	largestMatrix: { name: string; bytes: number };
	/** The embedding tables JavaScript keeps (tokens, learned positions), in their stored dtype. */
	tables: number;
	/** Whether the sessions' weights live in onnxruntime's heap (WASM) or in GPU buffers. */
	inWasmHeap: boolean;
	/** The sessions keep the matrices in f16: the runtime can, and the checkpoint stores every one in f16 or bf16. */
	halfMatrices: boolean;
}

export function weightMemory(header: SafetensorsHeader, config: ModelConfig, limits: RuntimeLimits): WeightMemory {
	const { layers, top, lmHead } = tables(header, config);
	const dtype = (source: Source) => header.tensors.get(source.tensor[0])!.dtype;
	const matrices = [lmHead ?? top.embed, ...layers.flatMap((table) => Object.entries(table).flatMap(([role, source]) => (MATRIX_ROLES.has(role) ? [source] : [])))];
	const halfMatrices = limits.halfWeights && matrices.every((source) => dtype(source) !== 'F32');
	const largest = matrices.reduce((a, b) => (elements(b) > elements(a) ? b : a));
	const held = (source: Source | undefined, matrix: boolean) => (source ? elements(source) * (matrix && halfMatrices ? 2 : 4) : 0);
	const sum = (table: Partial<Record<string, Source>>, roles: readonly string[]) => roles.reduce((n, role) => n + held(table[role], MATRIX_ROLES.has(role)), 0);
	const stored = (source: Source | undefined) => (source ? elements(source) * DTYPE_BYTES[dtype(source)] : 0);
	return {
		sessions: [held(top.norm, false) + held(top.normBias, false) + held(lmHead ?? top.embed, true), ...layers.flatMap((table) => [sum(table, PRE_ROLES), sum(table, POST_ROLES)])],
		largestMatrix: { name: largest.tensor[0], bytes: 4 * elements(largest) },
		tables: stored(top.embed) + stored(top.positions),
		inWasmHeap: limits.ep === 'wasm',
		halfMatrices
	};
}

function formatSize(bytes: number): string {
	if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
	if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
	return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
}

/** onnxruntime's heap once every session exists, and at its highest while they are created in order. */
function heapOfWeights(memory: WeightMemory) {
	let resident = 0;
	let peak = 0;
	if (!memory.inWasmHeap) return { resident, peak };
	for (const bytes of memory.sessions) {
		peak = Math.max(peak, resident + LOAD_COPIES * bytes);
		resident += RESIDENT * bytes;
	}
	return { resident, peak: Math.max(peak, resident) };
}

/** Why the weights cannot load within `limits`, with the numbers; null where they fit. */
export function loadRefusal(memory: WeightMemory, limits: RuntimeLimits): string | null {
	const heap = heapOfWeights(memory);
	const weights = `${formatSize(memory.sessions.reduce((a, b) => a + b, 0))} ${memory.halfMatrices ? 'with f16 matrices' : 'as f32'}`;
	if (heap.peak > limits.wasmHeap) {
		return `The weights need ${formatSize(heap.peak)} of onnxruntime's heap (${weights}, packed for its kernels, and a session's copies while it is created), more than the ${formatSize(limits.wasmHeap)} its wasm32 heap can hold; load a smaller model.`;
	}
	const { gpuBuffer } = limits;
	if (gpuBuffer !== null && memory.largestMatrix.bytes > gpuBuffer) {
		return `The weight ${memory.largestMatrix.name} takes ${formatSize(memory.largestMatrix.bytes)} as f32, more than the ${formatSize(gpuBuffer)} this GPU binds at once (maxStorageBufferBindingSize); load a smaller model, or run on WASM.`;
	}
	const building = BUILD_COPIES * Math.max(...memory.sessions);
	const total = heap.peak + memory.tables + building;
	if (total > limits.total) {
		return `The weights (${weights}) need ${formatSize(total)} while they load (${formatSize(heap.peak)} in onnxruntime's heap, ${formatSize(memory.tables)} of embedding tables, ${formatSize(building)} for a graph being built), more than the ${formatSize(limits.total)} this runtime can give them; load a smaller model.`;
	}
	return null;
}

/** What the memory plan knows of a loaded model. */
export interface ModelMemory {
	config: ModelConfig;
	/** Null before a model is chosen: the context alone is planned. */
	weights: WeightMemory | null;
	limits: RuntimeLimits;
}

/** Keys (raw and rotated) and values of every layer, f32, as the cache allocates them for `tokens`. */
const kvCacheBytes = (config: ModelConfig, tokens: number) => 1.5 * kvBytesPerToken(config) * cacheCapacity(tokens);

/**
 * What a call of T query rows against S keys takes, place by place, with S keys in the cache. The
 * attention call's tensors pass through onnxruntime's heap (queries, keys and values, the bias;
 * the output and the probabilities); on WASM its intermediates are there too (the scores and
 * biased scores, keys and values widened to every head, keys transposed), on WebGPU they are GPU
 * buffers. JavaScript builds the bias, keeps the probabilities observers read and the hooks'
 * scores, and copies the keys and values it sends. The block's and the head's calls add their
 * rows (the MLP's gate, up and product; the logits).
 */
function callNeeds({ config, limits }: ModelMemory, T: number, S: number) {
	const { heads: H, kvHeads: Hkv, headDim: d, hiddenSize: D, intermediateSize: f, vocabSize: V } = config;
	const scores = 4 * H * T * S;
	const widened = 4 * H * S * d;
	const sent = 4 * (2 * H * T * d + 2 * Hkv * S * d);
	const rows = 4 * T * Math.max(V, 2 * D + (H + 2 * Hkv) * d + 3 * f);
	const inside = limits.ep === 'wasm' ? 2 * scores + 3 * widened : 0;
	return {
		kv: kvCacheBytes(config, S),
		wasm: 2 * scores + sent + inside + rows,
		js: 3 * scores + sent + rows,
		largestBuffer: Math.max(scores, widened, 4 * T * Math.max(V, f))
	};
}

type Needs = ReturnType<typeof callNeeds>;

/** The first place a call overflows, with its need and limit; null where the call fits. */
function overflow({ weights, limits }: ModelMemory, needs: Needs): { place: string; need: number; limit: number } | null {
	const heap = weights ? heapOfWeights(weights).resident : 0;
	if (heap + needs.wasm > limits.wasmHeap) return { place: "onnxruntime's wasm32 heap", need: heap + needs.wasm, limit: limits.wasmHeap };
	if (limits.gpuBuffer !== null && needs.largestBuffer > limits.gpuBuffer) return { place: 'one WebGPU buffer (maxStorageBufferBindingSize)', need: needs.largestBuffer, limit: limits.gpuBuffer };
	const total = heap + (weights?.tables ?? 0) + needs.kv + needs.wasm + needs.js;
	return total > limits.total ? { place: 'what this runtime can give the model', need: total, limit: limits.total } : null;
}

const fits = (memory: ModelMemory, T: number, S: number) => overflow(memory, callNeeds(memory, T, S)) === null;

/** How a call overflows, in numbers: its KV cache, its tensors in each place, the weights beside them. */
function explain(memory: ModelMemory, T: number, S: number): string {
	const needs = callNeeds(memory, T, S);
	const over = overflow(memory, needs)!;
	const weights = memory.weights ? `, beside ${formatSize(heapOfWeights(memory.weights).resident + memory.weights.tables)} of weights` : '';
	const call = T === 1 ? `A ${S}-token context needs` : `A prefill chunk of ${T} rows in a ${S}-token context needs`;
	return `${call} ${formatSize(needs.kv)} for its KV cache and, for each call's attention, ${formatSize(needs.wasm)} in onnxruntime's heap and ${formatSize(needs.js)} in JavaScript${weights}: ${formatSize(over.need)} of ${over.place}, more than its ${formatSize(over.limit)}`;
}

/** The largest n in [1, most] for which `holds(n)` (it holds for every smaller n), or 0. */
function largest(most: number, holds: (n: number) => boolean): number {
	let lo = 0;
	let hi = most;
	while (lo < hi) {
		const mid = Math.ceil((lo + hi) / 2);
		if (holds(mid)) lo = mid;
		else hi = mid - 1;
	}
	return lo;
}

/**
 * The prefill chunk for a context of `tokens` (prompt and new tokens) whose prompt is `rows`
 * long: at most `chunkSize`, a comfortable score block, and what fits. A refusal says by how much
 * the context misses and how long a context fits.
 */
export function planContext(memory: ModelMemory, tokens: number, rows: number, chunkSize?: number): { chunk: number } | { refusal: string } {
	if (!fits(memory, 1, tokens)) {
		const fitting = largest(tokens - 1, (n) => fits(memory, 1, n));
		const shorter = fitting > 0 ? `choose a context of at most ${fitting} tokens, or a smaller model` : 'load a smaller model';
		return { refusal: `${explain(memory, 1, tokens)}; ${shorter}.` };
	}
	const comfortable = Math.max(1, Math.min(COMFORTABLE_CHUNK_ROWS, Math.floor(COMFORTABLE_SCORE_FLOATS / (memory.config.heads * tokens))));
	const wanted = Math.max(1, Math.min(chunkSize ?? rows, comfortable));
	// A chunk longer than the prompt runs the prompt's rows: only those need to fit.
	const chunkFits = (T: number) => fits(memory, Math.min(T, rows), tokens);
	return { chunk: chunkFits(wanted) ? wanted : largest(Math.min(wanted, rows), chunkFits) };
}

/** Why a call of `rows` query rows against `keys` keys cannot run, naming the chunk or the context that fits; null where it fits. */
export function callRefusal(memory: ModelMemory, rows: number, keys: number): string | null {
	if (fits(memory, rows, keys)) return null;
	const fitting = largest(rows - 1, (T) => fits(memory, T, keys));
	const change = fitting > 0 ? `use a smaller prefill chunk (at most ${fitting} rows fit)` : 'choose a shorter context, or a smaller model';
	return `${explain(memory, rows, keys)}; ${change}.`;
}
