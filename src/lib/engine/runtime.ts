/**
 * The one module that talks to onnxruntime-web: the model's dense math (graphs.ts) as sessions,
 * run on plain typed arrays, so the rest of the engine never holds a tensor or a session.
 */
import * as ort from 'onnxruntime-web';
import type { BlockSpec } from './block';
import type { ModelConfig } from './config';
import { attentionGraph, headGraph, postGraph, preGraph, scoresGraph, type AttentionVariant } from './graphs';
import type { GpuDeviceInfo } from './memory-plan';
import type { OnnxModel } from './onnx-builder';
import type { HeadWeights, LayerWeights } from './weights';
import { attend as kernelAttention } from '../../../kernels/attention';
import type { AttentionCall } from '../../../kernels/call';
import { KernelError, Kernels } from '../../../kernels/gpu';
import { rowStatistics, tileMaps } from '../../../kernels/statistics';
import { SINK_TOKENS, type PositionTile, type SelectionRequest } from './hooks';
import type { PatternRule } from './pattern-rule';
import { questPages, tokenSelectChoice } from '../../../kernels/select';

export type ExecutionProvider = 'wasm' | 'webgpu';

/** The kernels on onnxruntime's own device, named by its adapter where the device says. */
function kernelsOn(device: GPUDevice): Kernels {
	const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).adapterInfo;
	const description = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'WebGPU device';
	return new Kernels({ device, description, fallback: info?.isFallbackAdapter === true });
}

type Session = ort.InferenceSession;

/** One attention call's inputs, laid out as attentionGraph takes them (T query rows, S key slots). */
export interface AttentionFeeds {
	T: number;
	S: number;
	/** Queries [H, T, d], rotated and pre-scaled. */
	q: Float32Array;
	/** Keys and values [Hkv, S, d]. */
	k: Float32Array;
	v: Float32Array;
	/** Additive bias [B, T, S], B = 1 or H. */
	bias: Float32Array;
	B: number;
	/** A second (query, key) pair, used where `near` [B, T, S] is 0. */
	far?: { q: Float32Array; k: Float32Array; near: Uint8Array };
	/** Per KV head and slot [Hkv, S, 2]: 1 for a sink key, and the key's position; given, the call also returns each row's statistics. */
	keyColumns?: Float32Array;
}

export interface AttentionResult {
	/** [T, H·d] */
	out: Float32Array;
	/** [H, T, S], when asked for. */
	probs?: Float32Array;
	/** [H, T, 3]: each row's sink mass, mean key position and entropy, when the feeds had key columns. */
	stats?: Float32Array;
	/** [H, T]: each row's most attended slot, with the statistics. */
	topSlot?: BigInt64Array;
	/** [T, S]: the probabilities of the one head asked for. */
	headProbs?: Float32Array;
}

/** What an attention call returns beside its output: every head's probabilities, or one head's (they cost memory). */
export interface AttentionWants {
	probs: boolean;
	head: number | null;
}

const float = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

/**
 * How many threads onnxruntime's WASM backend runs, set before its first session: its own default
 * is half the cores, a single thread on a 2-core machine, which leaves a long prefill a third slower.
 */
export function useWasmThreads(count: number): void {
	ort.env.wasm.numThreads = Math.max(1, Math.floor(count));
}

function session(model: OnnxModel, ep: ExecutionProvider, half: boolean): Promise<Session> {
	return ort.InferenceSession.create(model.bytes, {
		executionProviders: [ep],
		externalData: model.externalData,
		// Errors only: on WebGPU every session warns that shape ops run on the CPU, as designed.
		logSeverityLevel: 3,
		// Constant folding would turn each f16 matrix and its Cast into an f32 copy when the session is created.
		...(half ? { extra: { optimization: { disable_specified_optimizers: 'ConstantFolding' } } } : {})
	});
}

const attentionKey = ({ far, stats, oneHead }: AttentionVariant) => [far, stats, oneHead].map(Number).join('');

/** How many sessions a model loads: each layer's pre and post, the two attention graphs, the head. */
const sessionCount = (config: ModelConfig) => 2 * config.layers + 3;

export class Runtime {
	private readonly preSessions: Session[] = [];
	private readonly postSessions: Session[] = [];
	private head: Session | null = null;
	/** Made when a mask first reads logits ahead (scores). */
	private scoresSession: Promise<Session> | null = null;
	private created = 2;

	private constructor(
		private readonly config: ModelConfig,
		private readonly spec: BlockSpec,
		private readonly ep: ExecutionProvider,
		/** Attention sessions by variant (attentionKey); the plain ones open with the runtime, the rest when first asked for. */
		private readonly attention: Map<string, Promise<Session>>,
		private readonly onSession: (done: number, total: number) => void,
		/** The WebGPU device onnxruntime runs on; null on WASM. */
		readonly device: GpuDeviceInfo | null,
		/** The GPU kernels (kernels/), on onnxruntime's device; null on WASM, or once the device refused one. */
		private gpuKernels: Kernels | null
	) {}

	/** Attention calls run so far by each path, and why the kernels were turned off (if they were). */
	readonly attentionCalls: { kernels: number; onnxruntime: number; kernelsOff?: string } = { kernels: 0, onnxruntime: 0 };

	get kernels(): Kernels | null {
		return this.gpuKernels;
	}

	/**
	 * Runs kernel work, guarded: where the device refuses a kernel (a buffer beyond its limits, a
	 * lost device), the kernels are turned off for this model and undefined says to use onnxruntime.
	 */
	async onKernels<T>(work: () => Promise<T>): Promise<T | undefined> {
		try {
			const value = await this.gpuKernels!.guard(work);
			this.attentionCalls.kernels++;
			return value;
		} catch (error) {
			if (!(error instanceof KernelError)) throw error;
			this.gpuKernels = null;
			this.attentionCalls.kernelsOff = error.message;
			console.warn(`Longscope: attention runs on onnxruntime from here on: ${error.message}`);
			return undefined;
		}
	}

	/**
	 * Starts the runtime with the sessions that hold no weights (attention), so that on WebGPU the
	 * device, and with it the limits the memory plan needs, exists before any weight is read.
	 * `onSession` counts sessions as they are created, these and the weights' (`load`).
	 */
	static async open(config: ModelConfig, spec: BlockSpec, ep: ExecutionProvider, onSession: (done: number, total: number) => void): Promise<Runtime> {
		const attention = new Map<string, Promise<Session>>();
		for (const far of [false, true]) {
			const variant = { far, stats: false, oneHead: false };
			attention.set(attentionKey(variant), Promise.resolve(await session(attentionGraph(config, spec, variant), ep, false)));
		}
		onSession(2, sessionCount(config));
		// onnxruntime sets env.webgpu.device once its WebGPU backend has started, with the adapter's limits.
		const device = ep === 'webgpu' ? ((await ort.env.webgpu.device) as unknown as GpuDeviceInfo) : null;
		return new Runtime(config, spec, ep, attention, onSession, device, device && kernelsOn(device as unknown as GPUDevice));
	}

	private attentionSession(variant: AttentionVariant): Promise<Session> {
		const key = attentionKey(variant);
		if (!this.attention.has(key)) this.attention.set(key, session(attentionGraph(this.config, this.spec, variant), this.ep, false));
		return this.attention.get(key)!;
	}

	/**
	 * Creates the sessions that hold the weights, a graph at a time: its f32 arrays are read just
	 * before and let go once the session holds its own copy. The head comes first: on WASM a
	 * session's weights are briefly there twice (packed for MLAS), and the largest graph's spare
	 * copy is then reused by the smaller ones instead of stacking on every other session's weights.
	 * `half`: matrices stay f16 in the sessions (GraphBuilder.matrix).
	 */
	async load(weights: { head(): HeadWeights; layer(i: number): LayerWeights }, half: boolean): Promise<void> {
		const create = async (model: OnnxModel) => {
			const created = await session(model, this.ep, half);
			this.onSession(++this.created, sessionCount(this.config));
			return created;
		};
		this.head = await create(headGraph(this.config, this.spec, weights.head(), half));
		for (let i = 0; i < this.config.layers; i++) {
			const layer = weights.layer(i);
			this.preSessions.push(await create(preGraph(this.config, this.spec, layer, half)));
			this.postSessions.push(await create(postGraph(this.config, this.spec, layer, half)));
		}
	}

	/** Rows x [T, D] → their queries [T, H·d], keys and values [T, Hkv·d], before any rotation. */
	async pre(layer: number, x: Float32Array) {
		const out = await this.preSessions[layer].run({ x: float(x, [x.length / this.config.hiddenSize, this.config.hiddenSize]) });
		return { q: out.q.data as Float32Array, k: out.k.data as Float32Array, v: out.v.data as Float32Array };
	}

	/** The attention output, the probabilities asked for, and the rows' statistics when the feeds ask. */
	async attend(feeds: AttentionFeeds, wants: AttentionWants): Promise<AttentionResult> {
		const { heads: H, kvHeads: Hkv, headDim: d } = this.config;
		const { T, S, B, far, keyColumns } = feeds;
		const inputs: Record<string, ort.Tensor> = {
			q: float(feeds.q, [H, T, d]),
			k: float(feeds.k, [Hkv, S, d]),
			v: float(feeds.v, [Hkv, S, d]),
			bias: float(feeds.bias, [B, T, S])
		};
		if (far) {
			inputs.q_far = float(far.q, [H, T, d]);
			inputs.k_far = float(far.k, [Hkv, S, d]);
			inputs.near = new ort.Tensor('bool', far.near, [B, T, S]);
		}
		if (keyColumns) inputs.key_columns = float(keyColumns, [Hkv, S, 2]);
		const oneHead = !wants.probs && wants.head !== null;
		if (oneHead) inputs.head = new ort.Tensor('int64', BigInt64Array.of(BigInt(wants.head!)), [1]);
		const outputs = ['out', ...(wants.probs ? ['probs'] : []), ...(keyColumns ? ['stats', 'top_slot'] : []), ...(oneHead ? ['head_probs'] : [])];
		const result = await (await this.attentionSession({ far: !!far, stats: !!keyColumns, oneHead })).run(inputs, outputs);
		this.attentionCalls.onnxruntime++;
		const data = <A>(name: string) => result[name]?.data as A | undefined;
		const probs = data<Float32Array>('probs');
		const headProbs = oneHead ? data<Float32Array>('head_probs') : probs && wants.head !== null ? probs.subarray(wants.head * T * S, (wants.head + 1) * T * S) : undefined;
		return { out: data<Float32Array>('out')!, probs, stats: data('stats'), topSlot: data('top_slot'), headProbs };
	}

	/**
	 * The call on the GPU kernels: the output, how many keys each row saw [H, T], with `stats`
	 * each row's statistics as `attend` gives them, and with `tiles` one head's cells of them;
	 * both computed from Q and K on the GPU.
	 */
	async kernelAttend(call: AttentionCall, wants: { stats: boolean; tiles: { head: number; rowFrom: number; tiles: PositionTile[] } | null }): Promise<AttentionResult & { keysSeen: Uint32Array; tileCells?: Float32Array[] }> {
		const kernels = this.kernels!;
		const result = await kernelAttention(kernels, call);
		const withLse = { ...call, logSumExp: result.logSumExp };
		const tileCells = wants.tiles ? await tileMaps(kernels, withLse, wants.tiles.head, wants.tiles.rowFrom, wants.tiles.tiles) : undefined;
		if (!wants.stats) return { out: result.out, keysSeen: result.keysSeen, tileCells };
		const rows = await rowStatistics(kernels, withLse, { sinkBelow: SINK_TOKENS });
		const T = call.queryPositions.length;
		const packed = new Float32Array(rows.sinkMass.length * 3);
		rows.sinkMass.forEach((sink, r) => {
			packed[r * 3] = sink;
			packed[r * 3 + 1] = call.queryPositions[r % T] - rows.meanDistance[r];
			packed[r * 3 + 2] = rows.entropy[r];
		});
		return { out: result.out, keysSeen: result.keysSeen, tileCells, stats: packed, topSlot: BigInt64Array.from(rows.topSlot, (slot) => BigInt(Math.max(0, slot))) };
	}

	/** A selection computed on the GPU (kernels/select.ts), as one rule per query head. */
	async selectedRules(call: AttentionCall, selection: SelectionRequest, softcap: number | null): Promise<PatternRule[]> {
		const kernels = this.kernels!;
		const T = call.queryPositions.length;
		const slotsOf = (flags: Uint8Array, at: number, n: number, width = 1) => {
			const slots: number[] = [];
			for (let x = 0; x < n; x++) if (flags[at + x]) for (let s = x * width; s < Math.min(call.S, (x + 1) * width); s++) slots.push(s);
			return slots;
		};
		if (selection.kind === 'quest') {
			const { pages, chosen } = await questPages(kernels, call, selection);
			return Array.from({ length: call.heads }, (_, h) => {
				const rows = Array.from({ length: T }, (_, t) => slotsOf(chosen, (h * T + t) * pages, pages, selection.page));
				return { rowSlots: (t: number) => rows[t] };
			});
		}
		const chosen = await tokenSelectChoice(kernels, call, { ...selection, softcap });
		const rows = Array.from({ length: T }, (_, t) => slotsOf(chosen, t * call.S, call.S));
		return Array.from({ length: call.heads }, () => ({ sinks: selection.init, window: selection.local, rowSlots: (t: number) => rows[t] }));
	}

	/** The share of each row's full (causal) attention mass that the call's rules keep [H, T], on the GPU. */
	async kernelRecall(call: AttentionCall): Promise<Float32Array> {
		const kernels = this.kernels!;
		const full = { ...call, rules: call.rules.map(() => ({ window: Infinity })) };
		const { logSumExp } = await kernelAttention(kernels, full);
		return (await rowStatistics(kernels, { ...full, logSumExp }, { sinkBelow: SINK_TOKENS, recallOf: call.rules })).recall;
	}

	/** Pre-mask logits [H, R, S] of queries [H, R, d] (rotated, pre-scaled) against keys [Hkv, S, d]. */
	async scores(q: Float32Array, k: Float32Array): Promise<Float32Array> {
		const { heads: H, kvHeads: Hkv, headDim: d } = this.config;
		this.scoresSession ??= session(scoresGraph(this.config, this.spec), this.ep, false);
		const out = await (await this.scoresSession).run({ q: float(q, [H, q.length / (H * d), d]), k: float(k, [Hkv, k.length / (Hkv * d), d]) });
		return out.scores.data as Float32Array;
	}

	/** The rest of the block after attention: attn [T, H·d] and the block's input x [T, D] → its output [T, D]. */
	async post(layer: number, attn: Float32Array, x: Float32Array): Promise<Float32Array> {
		const { hiddenSize: D } = this.config;
		const rows = x.length / D;
		const out = await this.postSessions[layer].run({ attn: float(attn, [rows, attn.length / rows]), x: float(x, [rows, D]) });
		return out.y.data as Float32Array;
	}

	/** Rows x [T, D] → logits [T, vocab]. */
	async logits(x: Float32Array): Promise<Float32Array> {
		const { hiddenSize: D } = this.config;
		const out = await this.head!.run({ x: float(x, [x.length / D, D]) });
		return out.logits.data as Float32Array;
	}

	async release(): Promise<void> {
		const attention = await Promise.all([...this.attention.values(), ...(this.scoresSession ? [this.scoresSession] : [])]);
		for (const session of [...this.preSessions, ...this.postSessions, ...attention, ...(this.head ? [this.head] : [])]) await session.release();
	}
}
