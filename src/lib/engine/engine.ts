/**
 * The engine: onnxruntime-web runs the dense math (see graphs.ts); this orchestrator owns
 * positions, masks, the KV cache and the hooks. The same code runs in Node and in the browser.
 */
import * as ort from 'onnxruntime-web';
import { parseConfig, type ModelConfig } from './config';
import { attentionGraph, headGraph, postGraph, preGraph } from './graphs';
import { checkKeptRows, type Hooks, type LayerContext, type MaskContext, type PositionPlan } from './hooks';
import { attentionBias, attentionScores } from './bias';
import { KvCache } from './kv-cache';
import { alibiSlopes, ropeInvFreq, rotate } from './rope';
import { CancelledError, EngineError } from './errors';
import { parseSafetensors, type ByteSource } from './safetensors';
import { loadWeights, type ModelWeights } from './weights';

export type ExecutionProvider = 'wasm' | 'webgpu';

export { CancelledError, EngineError } from './errors';

export interface Progress {
	phase: 'load' | 'prefill' | 'decode';
	done: number;
	total: number;
}

export interface ForwardOptions {
	onProgress?: (progress: Progress) => void;
	/** Checked between layers; when it returns true the run stops with {@link CancelledError}. */
	cancelled?: () => boolean;
	/**
	 * Awaited between layers so the host can handle messages (a worker otherwise never sees a
	 * cancel request: onnxruntime's promises resolve without giving the event loop a turn).
	 */
	yieldToEvents?: () => Promise<void>;
}

export interface PrefillOptions extends ForwardOptions {
	/** Tokens per prefill chunk (default: all at once). */
	chunkSize?: number;
	/** Return logits for every position (perplexity) instead of only the last. */
	allLogits?: boolean;
	/** Return logits for the last N positions that reach the head (default 1), row by row. */
	lastLogits?: number;
}

type Session = ort.InferenceSession;


export class Engine {
	readonly invFreq: Float64Array;
	private readonly slopes: Float32Array;

	private constructor(
		readonly config: ModelConfig,
		readonly weights: ModelWeights,
		readonly executionProvider: ExecutionProvider,
		private readonly pre: Session[],
		private readonly post: Session[],
		private readonly attention: Session,
		private readonly attentionFar: Session,
		private readonly head: Session
	) {
		this.invFreq = ropeInvFreq(config.headDim, config.ropeTheta);
		this.slopes = Float32Array.from(alibiSlopes(config.heads));
	}

	static async load(
		configJson: unknown,
		safetensors: Uint8Array | ByteSource,
		options: {
			executionProvider?: ExecutionProvider;
			onProgress?: (p: Progress) => void;
			/** The most bytes the weights may take as f32 (default: the browser's limit). */
			maxWeightBytes?: number;
		} = {}
	): Promise<Engine> {
		const config = parseConfig(configJson);
		const weights = loadWeights(parseSafetensors(safetensors), config, options.maxWeightBytes);
		const ep = options.executionProvider ?? 'wasm';
		const total = 2 * config.layers + 3;
		let done = 0;
		const create = async (bytes: Uint8Array) => {
			const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep] });
			options.onProgress?.({ phase: 'load', done: ++done, total });
			return session;
		};
		const pre: Session[] = [];
		const post: Session[] = [];
		for (const layer of weights.layers) {
			pre.push(await create(preGraph(config, layer)));
			post.push(await create(postGraph(config, layer)));
		}
		const attention = await create(attentionGraph(config, false));
		const attentionFar = await create(attentionGraph(config, true));
		const head = await create(headGraph(config, weights));
		return new Engine(config, weights, ep, pre, post, attention, attentionFar, head);
	}

	sequence(hooks: Hooks = {}): Sequence {
		return new Sequence(this, hooks);
	}

	async release(): Promise<void> {
		for (const session of [...this.pre, ...this.post, this.attention, this.attentionFar, this.head]) await session.release();
	}

	/**
	 * Internal: runs rows through every layer, layer by layer. Within a layer the rows attend in
	 * chunks of `chunkSize` (the score block of a chunk is what must fit in memory); every chunk
	 * of a layer runs before the next layer starts, so hooks that decide between layers (token
	 * pruning, statistics over the last rows) see the whole prompt however it was chunked.
	 */
	async forwardRows(seq: Sequence, ids: number[], positions: Int32Array, phase: 'prefill' | 'decode', logitRows: number, options: ForwardOptions & { chunkSize?: number }): Promise<Float32Array> {
		const { hiddenSize: D, layers } = this.config;
		for (const id of ids) {
			if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) throw new EngineError(`Token id ${id} is outside the vocabulary (0–${this.config.vocabSize - 1}).`);
		}
		// Rows can grow past the call's tokens (revived ones join in decode): no size means one chunk.
		const chunkSize = options.chunkSize === undefined ? Infinity : Math.max(1, Math.floor(options.chunkSize));
		let rows = ids.length;
		let pos = positions;
		let x: Float32Array = new Float32Array(rows * D);
		ids.forEach((id, r) => x.set(this.weights.embed.subarray(id * D, (id + 1) * D), r * D));
		let bytesRead = 0;

		for (let layer = 0; layer < layers; layer++) {
			const y = new Float32Array(rows * D);
			for (let start = 0; start < rows; start += chunkSize) {
				await options.yieldToEvents?.();
				if (options.cancelled?.()) throw new CancelledError();
				const end = Math.min(rows, start + chunkSize);
				const chunk = { layer, phase, positions: pos.subarray(start, end), rowOffset: start, callPositions: pos };
				const out = await this.attentionBlock(seq, chunk, x.subarray(start * D, end * D));
				y.set(out.y, start * D);
				bytesRead += out.bytesRead;
				// Decode reports progress per token (in generate), not per layer.
				if (phase === 'prefill') options.onProgress?.({ phase, done: layer + end / rows, total: layers });
			}
			x = y;
			if (layer === layers - 1) break;

			const ctx = this.layerContext(seq, layer, phase, pos, 0, pos);
			const kept = phase === 'prefill' || rows > 1 ? seq.hooks.pruneTokens?.(ctx, x) : undefined;
			if (kept) {
				const keptRows = checkKeptRows(kept, rows);
				const pruned = new Float32Array(keptRows.length * D);
				keptRows.forEach((r, n) => pruned.set(x.subarray(r * D, (r + 1) * D), n * D));
				x = pruned;
				pos = Int32Array.from(keptRows, (r) => pos[r]);
				rows = keptRows.length;
			}
			const revived = phase === 'decode' ? seq.hooks.revive?.({ ...ctx, queryPositions: pos, callPositions: pos }) : undefined;
			if (revived && revived.positions.length > 0) ({ x, pos, rows } = mergeRows(x, pos, revived, D));
		}
		if (phase === 'decode') seq.bytesReadLastStep = bytesRead;

		const n = Math.min(rows, Math.max(1, logitRows));
		seq.logitPositions = pos.slice(rows - n);
		const logits: Float32Array[] = [];
		for (let start = rows - n; start < rows; start += chunkSize) {
			const end = Math.min(rows, start + chunkSize);
			const out = await this.head.run({ x: new ort.Tensor('float32', x.subarray(start * D, end * D), [end - start, D]) });
			logits.push(out.logits.data as Float32Array);
		}
		return concat(logits);
	}

	/** The hooks' view of one layer: these query rows against every key the cache holds now. */
	private layerContext(seq: Sequence, layer: number, phase: 'prefill' | 'decode', queryPositions: Int32Array, rowOffset: number, callPositions: Int32Array): LayerContext {
		const heads = seq.cache.layers[layer];
		const keyPositions = heads.map((head) => head.positions.subarray(0, head.length));
		const slots = Math.max(...heads.map((head) => head.length));
		return { config: this.config, layer, phase, queryPositions, keyPositions, slots, callPositions, rowOffset };
	}

	/** One chunk of rows through one layer: projections, cache append, attention, MLP. */
	private async attentionBlock(
		seq: Sequence,
		chunk: { layer: number; phase: 'prefill' | 'decode'; positions: Int32Array; rowOffset: number; callPositions: Int32Array },
		x: Float32Array
	): Promise<{ y: Float32Array; bytesRead: number }> {
		const { hiddenSize: D, heads: H, kvHeads: Hkv, headDim: d } = this.config;
		const { layer, phase, positions: pos } = chunk;
		const rows = pos.length;
		const out = await this.pre[layer].run({ x: new ort.Tensor('float32', x, [rows, D]) });
		const q = out.q.data as Float32Array;
		const kRaw = out.k.data as Float32Array;
		const v = out.v.data as Float32Array;
		const kRot = this.config.positionEncoding === 'rope' ? new Float32Array(kRaw.length) : kRaw;
		if (this.config.positionEncoding === 'rope') rotate(kRaw, kRot, rows * Hkv, d, (r) => pos[Math.floor(r / Hkv)], this.invFreq);
		for (let t = 0; t < rows; t++) {
			for (let h = 0; h < Hkv; h++) seq.cache.head(layer, h).append(kRaw, kRot, v, (t * Hkv + h) * d, pos[t]);
		}

		const ctx = this.layerContext(seq, layer, phase, pos, chunk.rowOffset, chunk.callPositions);
		const plan = seq.hooks.positions?.(ctx);
		const inputs = this.attentionInputs(seq, ctx, q, plan);
		const wantsProbs = !!seq.hooks.observe && (seq.hooks.wantsProbabilities?.(ctx) ?? true);
		const result = await (plan?.far ? this.attentionFar : this.attention).run(inputs.feeds, wantsProbs ? ['out', 'probs'] : ['out']);
		if (wantsProbs) seq.hooks.observe!(ctx, result.probs.data as Float32Array);

		const next = await this.post[layer].run({
			attn: new ort.Tensor('float32', result.out.data as Float32Array, [rows, H * d]),
			x: new ort.Tensor('float32', x, [rows, D])
		});
		return { y: next.y.data as Float32Array, bytesRead: phase === 'decode' ? inputs.bytesRead : 0 };
	}

	private attentionInputs(seq: Sequence, ctx: LayerContext, q: Float32Array, plan: PositionPlan | undefined) {
		const { heads: H, kvHeads: Hkv, headDim: d } = this.config;
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		const rope = this.config.positionEncoding === 'rope';
		const invFreq = plan?.invFreq ?? this.invFreq;
		const scale = (plan?.logitScale ?? 1) / Math.sqrt(d);
		const cacheHeads = seq.cache.layers[ctx.layer];

		const queries = (positions: Float64Array | Int32Array) => {
			const rotated = rope ? new Float32Array(q.length) : q;
			if (rope) rotate(q, rotated, T * H, d, (r) => positions[Math.floor(r / H)], invFreq);
			// [T, H, d] → [H, T, d], scaled.
			const out = new Float32Array(H * T * d);
			for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let c = 0; c < d; c++) out[(h * T + t) * d + c] = rotated[(t * H + h) * d + c] * scale;
			return new ort.Tensor('float32', out, [H, T, d]);
		};
		const keys = (positionsOf: ((kvHead: number, original: Int32Array) => Float64Array) | undefined) => {
			const out = new Float32Array(Hkv * S * d);
			cacheHeads.forEach((head, h) => {
				const n = head.length;
				const target = out.subarray(h * S * d, h * S * d + n * d);
				if (!rope || (!positionsOf && !plan?.invFreq)) {
					target.set((rope ? head.keys : head.keysRaw).subarray(0, n * d));
				} else {
					const positions = positionsOf?.(h, ctx.keyPositions[h]) ?? ctx.keyPositions[h];
					rotate(head.keysRaw, target, n, d, (r) => positions[r], invFreq);
				}
			});
			return new ort.Tensor('float32', out, [Hkv, S, d]);
		};
		const values = new Float32Array(Hkv * S * d);
		cacheHeads.forEach((head, h) => values.set(head.values.subarray(0, head.length * d), h * S * d));

		const qTensor = queries(plan?.query ?? ctx.queryPositions);
		const kTensor = keys(plan?.keys);
		const mask = this.buildBias(seq, ctx, qTensor.data as Float32Array, kTensor.data as Float32Array);
		const feeds: Record<string, ort.Tensor> = {
			q: qTensor,
			k: kTensor,
			v: new ort.Tensor('float32', values, [Hkv, S, d]),
			bias: new ort.Tensor('float32', mask.bias, [mask.B, T, S])
		};
		if (plan?.far) {
			const { far } = plan;
			feeds.q_far = queries(far.query ?? ctx.queryPositions);
			feeds.k_far = keys(far.keys);
			const near = new Uint8Array(mask.B * T * S);
			for (let b = 0; b < mask.B; b++) {
				const keyPos = ctx.keyPositions[Math.floor((b * Hkv) / H)] ?? ctx.keyPositions[0];
				for (let t = 0; t < T; t++) {
					for (let s = 0; s < keyPos.length; s++) near[(b * T + t) * S + s] = ctx.queryPositions[t] - keyPos[s] < far.fromDistance ? 1 : 0;
				}
			}
			feeds.near = new ort.Tensor('bool', near, [mask.B, T, S]);
		}
		return { feeds, bytesRead: mask.bytesRead };
	}

	/** The additive attention bias for this call, with the hooks' mask; hooks may read the scores. */
	private buildBias(seq: Sequence, ctx: LayerContext, q: Float32Array, k: Float32Array) {
		const { heads: H, kvHeads: Hkv, headDim: d } = this.config;
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		let scores: Float32Array | undefined;
		const maskContext: MaskContext = {
			...ctx,
			scores: () => (scores ??= attentionScores(q, k, H, Hkv, T, S, d)),
			vectors: () => ({ queries: q, keys: k })
		};
		seq.hooks.observeScores?.(maskContext);
		return attentionBias(ctx, seq.hooks.attentionMask?.(maskContext), this.slopes);
	}
}

/** Adds revived rows to this call's rows, all in position order (the new token stays last). */
function mergeRows(x: Float32Array, pos: Int32Array, revived: { positions: number[]; hidden: Float32Array }, D: number) {
	const entries = [
		...Array.from(pos, (p, r) => ({ p, source: x, row: r })),
		...revived.positions.map((p, r) => ({ p, source: revived.hidden, row: r }))
	].sort((a, b) => a.p - b.p);
	if (entries.some((e, i) => i > 0 && e.p === entries[i - 1].p)) throw new EngineError('revive returned a token that is already running.');
	const merged = new Float32Array(entries.length * D);
	entries.forEach((e, n) => merged.set(e.source.subarray(e.row * D, (e.row + 1) * D), n * D));
	return { x: merged, pos: Int32Array.from(entries, (e) => e.p), rows: entries.length };
}

/** One sequence being run: its cache, its next position and its hooks. */
export class Sequence {
	readonly cache: KvCache;
	/** Original position the next token will get. */
	position = 0;
	/** KV bytes the last decode step read (keys and values, f32). */
	bytesReadLastStep = 0;
	/** Positions of the rows whose logits the last call returned (pruning can skip some). */
	logitPositions = new Int32Array(0);

	constructor(readonly engine: Engine, readonly hooks: Hooks) {
		const { layers, kvHeads, headDim } = engine.config;
		this.cache = new KvCache(layers, kvHeads, headDim);
	}

	async prefill(ids: number[], options: PrefillOptions = {}): Promise<Float32Array> {
		if (ids.length === 0) throw new EngineError('The prompt is empty.');
		const positions = Int32Array.from(ids, (_, i) => this.position + i);
		const logitRows = options.allLogits ? Infinity : (options.lastLogits ?? 1);
		const logits = await this.engine.forwardRows(this, ids, positions, 'prefill', logitRows, {
			...options,
			onProgress: (p) => options.onProgress?.({ phase: 'prefill', done: (ids.length * p.done) / p.total, total: ids.length })
		});
		this.position += ids.length;
		this.hooks.evict?.({ config: this.engine.config, phase: 'prefill', step: 0, cache: this.cache });
		return logits;
	}

	/** Feeds one token and returns the logits for the one after it. */
	async step(id: number, options: ForwardOptions = {}): Promise<Float32Array> {
		const logits = await this.engine.forwardRows(this, [id], Int32Array.of(this.position), 'decode', 1, options);
		this.position++;
		this.hooks.evict?.({ config: this.engine.config, phase: 'decode', step: this.position, cache: this.cache });
		return logits;
	}
}

function concat(parts: Float32Array[]): Float32Array {
	const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}
