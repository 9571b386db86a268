/**
 * The one module that talks to onnxruntime-web: the model's dense math (graphs.ts) as sessions,
 * run on plain typed arrays, so the rest of the engine never holds a tensor or a session.
 */
import * as ort from 'onnxruntime-web';
import type { BlockSpec } from './block';
import type { ModelConfig } from './config';
import { attentionGraph, headGraph, postGraph, preGraph } from './graphs';
import type { ModelWeights } from './weights';

export type ExecutionProvider = 'wasm' | 'webgpu';

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
}

const float = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

export class Runtime {
	private constructor(
		private readonly config: ModelConfig,
		private readonly preSessions: Session[],
		private readonly postSessions: Session[],
		private readonly attention: Session,
		private readonly attentionFar: Session,
		private readonly head: Session
	) {}

	/** Sessions for every graph of the model; `onSession` counts them as they are created. */
	static async create(config: ModelConfig, spec: BlockSpec, weights: ModelWeights, ep: ExecutionProvider, onSession: (done: number, total: number) => void): Promise<Runtime> {
		const total = 2 * config.layers + 3;
		let done = 0;
		const create = async (bytes: Uint8Array) => {
			const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep] });
			onSession(++done, total);
			return session;
		};
		const pre: Session[] = [];
		const post: Session[] = [];
		for (const layer of weights.layers) {
			pre.push(await create(preGraph(config, spec, layer)));
			post.push(await create(postGraph(config, spec, layer)));
		}
		const attention = await create(attentionGraph(config, spec, false));
		const attentionFar = await create(attentionGraph(config, spec, true));
		const head = await create(headGraph(config, spec, weights));
		return new Runtime(config, pre, post, attention, attentionFar, head);
	}

	/** Rows x [T, D] → their queries [T, H·d], keys and values [T, Hkv·d], before any rotation. */
	async pre(layer: number, x: Float32Array) {
		const out = await this.preSessions[layer].run({ x: float(x, [x.length / this.config.hiddenSize, this.config.hiddenSize]) });
		return { q: out.q.data as Float32Array, k: out.k.data as Float32Array, v: out.v.data as Float32Array };
	}

	/** The attention output [T, H·d], and the probabilities [H, T, S] when asked for (they cost memory). */
	async attend(feeds: AttentionFeeds, withProbabilities: boolean): Promise<{ out: Float32Array; probs?: Float32Array }> {
		const { heads: H, kvHeads: Hkv, headDim: d } = this.config;
		const { T, S, B, far } = feeds;
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
		const result = await (far ? this.attentionFar : this.attention).run(inputs, withProbabilities ? ['out', 'probs'] : ['out']);
		return { out: result.out.data as Float32Array, probs: result.probs?.data as Float32Array | undefined };
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
		const out = await this.head.run({ x: float(x, [x.length / D, D]) });
		return out.logits.data as Float32Array;
	}

	async release(): Promise<void> {
		for (const session of [...this.preSessions, ...this.postSessions, this.attention, this.attentionFar, this.head]) await session.release();
	}
}
