/**
 * The forward pass over one call's rows, read as the architecture: every layer projects its
 * rows (pre), appends their keys and values to the cache, attends, and runs the rest of the
 * block (post); between layers, hooks may prune rows or bring earlier ones back.
 *
 * Within a layer the rows attend in chunks (the score block of a chunk is what must fit in
 * memory), and every chunk of a layer runs before the next layer starts, so hooks that decide
 * between layers (token pruning, statistics over the last rows) see the whole call however it
 * was chunked.
 */
import { attentionVectors, softcapScores } from './attention-inputs';
import { attentionBias, attentionScores, nearMask } from './bias';
import type { BlockSpec } from './block';
import type { ModelConfig } from './config';
import { embedRows, type Embeddings } from './embeddings';
import { CancelledError, EngineError } from './errors';
import { checkKeptRows, SINK_TOKENS, type Hooks, type LayerContext, type MaskContext, type PositionPlan, type RowStats } from './hooks';
import type { KvCache } from './kv-cache';
import type { ModelMemory } from './memory-plan';
import { callPlan, distanceBias, passLength } from './positions';
import { rotate } from './rope';
import { pickRows, type Rows } from './rows';
import { gatherColumns, gatherSlots, scatterColumns } from './gather';
import type { AttentionFeeds, Runtime } from './runtime';
import { bytesRead as kernelBytesRead, checkKeysSeen, kernelCall } from './kernel-attention';

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

/** What a pass needs of a loaded model. */
export interface LoadedModel {
	config: ModelConfig;
	spec: BlockSpec;
	embeddings: Embeddings;
	/** What the memory plan counted, against which each call is checked before it runs. */
	memory: ModelMemory;
	runtime: Runtime;
	/** A layer's own positions in a forward pass whose positions reach seqLen − 1 (positions.ts). */
	native: (layer: number, seqLen: number) => PositionPlan;
	/** Each layer's sliding window (block.ts), null where it sees every earlier key. */
	windows: (number | null)[];
}

/** The sequence a pass runs in: its cache and its hooks. */
export interface SequenceState {
	cache: KvCache;
	hooks: Hooks;
}

export interface Call {
	phase: 'prefill' | 'decode';
	ids: number[];
	positions: Int32Array;
	/** Layers 0 … lastLayer run. */
	lastLayer: number;
	/** Rows per attention chunk (default: all at once). */
	chunkSize?: number;
	/** Layers done so far (fractional within a layer), in prefill. */
	onLayers?: (done: number) => void;
}

// Rows can grow past the call's tokens (revived ones join in decode): no size means one chunk.
export const rowsPerChunk = (chunkSize: number | undefined) => (chunkSize === undefined ? Infinity : Math.max(1, Math.floor(chunkSize)));

/** Runs the call's tokens through layers 0 … `call.lastLayer`; also the KV bytes decode attention read. */
export async function runLayers(model: LoadedModel, seq: SequenceState, call: Call, options: ForwardOptions): Promise<Rows & { bytesRead: number }> {
	let rows: Rows = { x: embedRows(model.config, model.embeddings, call.ids, call.positions), positions: call.positions };
	let bytesRead = 0;
	for (let layer = 0; layer <= call.lastLayer; layer++) {
		const out = await layerPass(model, seq, call, layer, rows, options);
		rows = { x: out.x, positions: rows.positions };
		bytesRead += out.bytesRead;
		if (layer < call.lastLayer) rows = betweenLayers(model, seq, call.phase, layer, rows);
	}
	return { ...rows, bytesRead };
}

/** Logits [n, vocab] of the last `n` rows, in chunks of at most `chunkSize` rows. */
export async function lastLogits(model: LoadedModel, rows: Rows, n: number, chunkSize?: number): Promise<Float32Array> {
	const { hiddenSize: D, vocabSize } = model.config;
	const count = rows.positions.length;
	const step = rowsPerChunk(chunkSize);
	const logits = new Float32Array(n * vocabSize);
	for (let start = count - n; start < count; start += step) {
		const end = Math.min(count, start + step);
		logits.set(await model.runtime.logits(rows.x.subarray(start * D, end * D)), (start - count + n) * vocabSize);
	}
	return logits;
}

/** Every row of the call through one layer, chunk by chunk. */
async function layerPass(model: LoadedModel, seq: SequenceState, call: Call, layer: number, rows: Rows, options: ForwardOptions) {
	const D = model.config.hiddenSize;
	const chunkSize = rowsPerChunk(call.chunkSize);
	const count = rows.positions.length;
	const y = new Float32Array(count * D);
	let bytesRead = 0;
	for (let start = 0; start < count; start += chunkSize) {
		await options.yieldToEvents?.();
		if (options.cancelled?.()) throw new CancelledError();
		const end = Math.min(count, start + chunkSize);
		const ctx = { layer, phase: call.phase, positions: rows.positions.subarray(start, end), rowOffset: start, callPositions: rows.positions };
		const out = await block(model, seq, ctx, rows.x.subarray(start * D, end * D));
		y.set(out.y, start * D);
		bytesRead += out.bytesRead;
		call.onLayers?.(layer + end / count);
	}
	return { x: y, bytesRead };
}

/** One chunk of rows through one layer's block: pre → cache → attend → post. */
async function block(
	model: LoadedModel,
	seq: SequenceState,
	chunk: { layer: number; phase: 'prefill' | 'decode'; positions: Int32Array; rowOffset: number; callPositions: Int32Array },
	x: Float32Array
): Promise<{ y: Float32Array; bytesRead: number }> {
	const { layer, phase } = chunk;
	// Keys join the cache rotated as this pass rotates them and stay so (transformers caches
	// rotated keys): under dynamic or longrope scaling, earlier passes' keys keep their own frequencies.
	const native = model.native(layer, passLength(chunk.callPositions));
	const { q, k, v } = await model.runtime.pre(layer, x);
	appendToCache(model, seq.cache, layer, k, v, chunk.positions, native.invFreq);
	const ctx = layerContext(model, seq.cache, layer, phase, chunk.positions, chunk.rowOffset, chunk.callPositions);
	const attention = await attend(model, seq, ctx, q, native);
	const y = await model.runtime.post(layer, attention.out, x);
	return { y, bytesRead: phase === 'decode' ? attention.bytesRead : 0 };
}

/** The chunk's keys (raw, and rotated as the model rotates them) and values join the cache. */
function appendToCache(model: LoadedModel, cache: KvCache, layer: number, kRaw: Float32Array, v: Float32Array, positions: Int32Array, invFreq: Float64Array | undefined): void {
	const { kvHeads: Hkv, headDim: d } = model.config;
	const rows = positions.length;
	const kRot = invFreq ? new Float32Array(kRaw.length) : kRaw;
	if (invFreq) rotate(kRaw, kRot, rows * Hkv, d, (r) => positions[Math.floor(r / Hkv)], invFreq);
	for (let t = 0; t < rows; t++) {
		for (let h = 0; h < Hkv; h++) cache.head(layer, h).append(kRaw, kRot, v, (t * Hkv + h) * d, positions[t]);
	}
}

/** Attention of the chunk's queries over the cache, with the hooks' positions, score observers and mask. */
async function attend(model: LoadedModel, seq: SequenceState, ctx: LayerContext, q: Float32Array, native: PositionPlan) {
	const { heads: H, kvHeads: Hkv, headDim: d } = model.config;
	const T = ctx.queryPositions.length;
	const S = ctx.slots;
	const { hooks } = seq;
	const plan = callPlan(native, hooks.positions?.(ctx));
	const vectors = attentionVectors(model.config, seq.cache.layers[ctx.layer], ctx, q, plan, native.invFreq, model.spec.layers[ctx.layer].scoreDivisor);
	let scores: Float32Array | undefined;
	const wanted = hooks.scoreRowsAhead?.(ctx);
	const ahead = wanted && { ...wanted, scores: await model.runtime.scores(headRows(vectors.q, H, T, d, wanted.from, wanted.to), vectors.k) };
	const maskContext: MaskContext = {
		...ctx,
		scores: () => (scores ??= ahead && ahead.from === 0 && ahead.to === T ? ahead.scores : softcapScores(attentionScores(vectors.q, vectors.k, H, Hkv, T, S, d), model.spec.softcap.attention)),
		scoreRows: (from, to) => {
			if (ahead && from >= ahead.from && to <= ahead.to) return headRows(ahead.scores, H, ahead.to - ahead.from, S, from - ahead.from, to - ahead.from);
			return scores ? headRows(scores, H, T, S, from, to) : softcapScores(attentionScores(vectors.q, vectors.k, H, Hkv, T, S, d, from, to), model.spec.softcap.attention);
		},
		vectors: () => ({ queries: vectors.q, keys: vectors.k })
	};
	hooks.observeScores?.(maskContext);
	const wants = { probs: !!hooks.observe && (hooks.wantsProbabilities?.(ctx) ?? true), head: hooks.observeHead ? (hooks.watchedHead?.(ctx) ?? null) : null };
	const onKernels = model.runtime.kernels && kernelCall(model.config, maskContext, vectors, plan, hooks, wants, model.spec.softcap.attention);
	if (onKernels) {
		// Every GPU step first, then the hooks: where the device refuses a kernel, the call runs on onnxruntime with nothing counted twice.
		const computed = await model.runtime.onKernels(async () => {
			if (onKernels.selection) onKernels.call.rules = await model.runtime.selectedRules(onKernels.call, onKernels.selection, model.spec.softcap.attention);
			const watched = wants.head !== null ? hooks.watchedTiles!(ctx) : null;
			const result = await model.runtime.kernelAttend(onKernels.call, { stats: !!hooks.observeRowStats, tiles: watched && { head: wants.head!, ...watched } });
			return { result, recall: onKernels.recall && (await model.runtime.kernelRecall(onKernels.call)) };
		});
		if (computed) {
			const { result, recall } = computed;
			checkKeysSeen(ctx, result.keysSeen, onKernels.masked);
			onKernels.kept?.(Float32Array.from(result.keysSeen));
			if (recall) onKernels.recall!(recall);
			if (result.stats) hooks.observeRowStats!(ctx, rowStats(ctx, result.stats, result.topSlot!, null));
			if (result.tileCells) hooks.observeTiles!(ctx, result.tileCells);
			return { out: result.out, bytesRead: ctx.phase === 'decode' ? kernelBytesRead(ctx, onKernels.masked ? onKernels.call.rules : null) : 0 };
		}
	}
	const { bias, B, bytesRead, slots } = attentionBias(ctx, hooks.attentionMask?.(maskContext), distanceBias(plan, ctx), GATHER_BELOW);
	const far = vectors.far && plan.far && { ...vectors.far, near: nearMask(ctx, plan.far.fromDistance, B) };
	const keyColumns = hooks.observeRowStats ? sinkAndPositionColumns(ctx) : undefined;
	const feeds = { T, S, q: vectors.q, k: vectors.k, v: vectors.v, bias, B, far, keyColumns };
	const result = await model.runtime.attend(slots ? onlySlots(feeds, slots, Hkv, d) : feeds, wants);
	const onEverySlot = (probs: Float32Array, rows: number) => (slots ? scatterColumns(probs, rows, S, slots) : probs);
	if (wants.probs) hooks.observe!(ctx, onEverySlot(result.probs!, H * T));
	if (result.headProbs) hooks.observeHead!(ctx, onEverySlot(result.headProbs, T));
	if (result.stats) hooks.observeRowStats!(ctx, rowStats(ctx, result.stats, result.topSlot!, slots));
	return { out: result.out, bytesRead };
}

/** Each KV head's slots as [Hkv, slots, 2]: 1 for a sink key (else 0), and the key's position; padding slots are 0, 0. */
function sinkAndPositionColumns(ctx: LayerContext): Float32Array {
	const columns = new Float32Array(ctx.keyPositions.length * ctx.slots * 2);
	ctx.keyPositions.forEach((keys, h) => {
		for (let s = 0; s < keys.length; s++) {
			const at = (h * ctx.slots + s) * 2;
			columns[at] = keys[s] < SINK_TOKENS ? 1 : 0;
			columns[at + 1] = keys[s];
		}
	});
	return columns;
}

/** The attention call's statistics [H, T, 3] and top slots [H, T] (of `slots`, where it gathered) as one array per statistic. */
function rowStats(ctx: LayerContext, stats: Float32Array, topSlot: BigInt64Array, slots: Int32Array | null): RowStats {
	const rows = topSlot.length;
	const T = ctx.queryPositions.length;
	const group = ctx.config.heads / ctx.config.kvHeads;
	const column = (c: number) => Float32Array.from({ length: rows }, (_, r) => stats[r * 3 + c]);
	const topKey = Int32Array.from(topSlot, (top, r) => {
		const slot = slots ? slots[Number(top)] : Number(top);
		return ctx.keyPositions[Math.floor(Math.floor(r / T) / group)][slot];
	});
	return { sinkMass: column(0), meanKeyPosition: column(1), entropy: column(2), topKey };
}

/** Rows [from, to) of each head's [T, S] block (logits, or queries with S = d). */
function headRows(scores: Float32Array, H: number, T: number, S: number, from: number, to: number): Float32Array {
	const out = new Float32Array(H * (to - from) * S);
	for (let h = 0; h < H; h++) out.set(scores.subarray((h * T + from) * S, (h * T + to) * S), h * (to - from) * S);
	return out;
}

/**
 * Attention reads only the key slots some query may see when at most this share of them is read
 * (gather.ts): below it, copying the used keys costs less than attending over all of them.
 */
const GATHER_BELOW = 0.75;

/** The attention call's inputs over only `slots` of its S key slots (the bias covers them already). */
function onlySlots(feeds: AttentionFeeds, slots: Int32Array, Hkv: number, d: number): AttentionFeeds {
	const { T, S, B, far, keyColumns } = feeds;
	const rows = B * T;
	return {
		...feeds,
		S: slots.length,
		k: gatherSlots(feeds.k, Hkv, S, d, slots),
		v: gatherSlots(feeds.v, Hkv, S, d, slots),
		keyColumns: keyColumns && gatherSlots(keyColumns, Hkv, S, 2, slots),
		far: far && { q: far.q, k: gatherSlots(far.k, Hkv, S, d, slots), near: gatherColumns(far.near, rows, S, slots) }
	};
}

/** Between two layers: rows a hook prunes leave the call, and rows a hook revives join it. */
function betweenLayers(model: LoadedModel, seq: SequenceState, phase: 'prefill' | 'decode', layer: number, rows: Rows): Rows {
	const D = model.config.hiddenSize;
	const ctx = layerContext(model, seq.cache, layer, phase, rows.positions, 0, rows.positions);
	const count = rows.positions.length;
	const kept = phase === 'prefill' || count > 1 ? seq.hooks.pruneTokens?.(ctx, rows.x) : undefined;
	if (kept) rows = pickRows(rows, checkKeptRows(kept, count));
	const revived = phase === 'decode' ? seq.hooks.revive?.({ ...ctx, queryPositions: rows.positions, callPositions: rows.positions }) : undefined;
	if (revived && revived.positions.length > 0) rows = mergeRows(rows, revived, D);
	return rows;
}

/** The hooks' view of one layer: these query rows against every key the cache holds now. */
function layerContext(model: LoadedModel, cache: KvCache, layer: number, phase: 'prefill' | 'decode', queryPositions: Int32Array, rowOffset: number, callPositions: Int32Array): LayerContext {
	const heads = cache.layers[layer];
	const keyPositions = heads.map((head) => head.positions.subarray(0, head.length));
	const slots = Math.max(...heads.map((head) => head.length));
	return { config: model.config, layer, phase, queryPositions, keyPositions, slots, callPositions, rowOffset, window: model.windows[layer] };
}

/** Adds revived rows to this call's rows, all in position order (the new token stays last). */
function mergeRows(rows: Rows, revived: { positions: number[]; hidden: Float32Array }, D: number): Rows {
	const entries = [
		...Array.from(rows.positions, (p, r) => ({ p, source: rows.x, row: r })),
		...revived.positions.map((p, r) => ({ p, source: revived.hidden, row: r }))
	].sort((a, b) => a.p - b.p);
	if (entries.some((e, i) => i > 0 && e.p === entries[i - 1].p)) throw new EngineError('revive returned a token that is already running.');
	const x = new Float32Array(entries.length * D);
	entries.forEach((e, n) => x.set(e.source.subarray(e.row * D, (e.row + 1) * D), n * D));
	return { x, positions: Int32Array.from(entries, (e) => e.p) };
}
