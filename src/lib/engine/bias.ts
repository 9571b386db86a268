/**
 * Building the attention bias: pure functions of the call's positions, the hooks' mask and the
 * plan's distance penalty, so they are tested without onnxruntime.
 */
import { EngineError } from './errors';
import { sameKeyPositions, type LayerContext } from './hooks';
import { visibleRange } from './kv-cache';

/** What an `attentionMask` hook returns: 1/0 per [heads or 1, T, slots]. */
export interface HookMask {
	mask: Uint8Array;
	perHead: boolean;
}

/** ALiBi: head h's logit for query row t and key slot s gets −slopes[h]·(query[t] − keys[kvHead][s]). */
export interface DistanceBias {
	slopes: Float32Array;
	query: ArrayLike<number>;
	/** Per KV head, the position of each key slot. */
	keys: ArrayLike<number>[];
}

export interface AttentionBias {
	/** [B, T, slots]: 0 where a query may attend (or ALiBi's penalty), −∞ where it may not. */
	bias: Float32Array;
	/** 1 when one row set serves every head, else the number of query heads. */
	B: number;
	/** Bytes of keys and values (f32) the call reads from the cache. */
	bytesRead: number;
	/** Per slot, 1 where some query of some head may attend to it: the only slots attention must read. */
	used: Uint8Array;
}

/**
 * The additive attention bias [B, T, slots] of one attention call: causality (within the layer's
 * sliding window, when it has one), padding of shorter heads, a hook's mask and a distance
 * penalty, with B = 1 when every head sees the same keys the same way. Also the KV bytes (f32
 * keys and values) the call reads, for the memory-traffic view, and the slots any query reads.
 */
export function attentionBias(ctx: LayerContext, hookMask?: HookMask, distance?: DistanceBias): AttentionBias {
	const { heads: H, kvHeads: Hkv, headDim: d } = ctx.config;
	const T = ctx.queryPositions.length;
	const S = ctx.slots;
	const group = H / Hkv;
	if (hookMask && hookMask.mask.length !== (hookMask.perHead ? H : 1) * T * S) {
		throw new EngineError(`attentionMask returned ${hookMask.mask.length} entries; expected ${(hookMask.perHead ? H : 1) * T * S}.`);
	}
	if (distance && distance.slopes.length !== H) throw new EngineError(`A position plan gave ${distance.slopes.length} ALiBi slopes for ${H} attention heads.`);
	const B = sameKeyPositions(ctx.keyPositions) && !distance && !hookMask?.perHead ? 1 : H;
	const bias = new Float32Array(B * T * S);
	if (!hookMask && !distance) return causalBias(ctx, bias, B);
	bias.fill(-Infinity);
	const readByKvHead = new Uint8Array(Hkv * S);
	for (let b = 0; b < B; b++) {
		const kvHead = Math.floor(b / group);
		const keyPos = ctx.keyPositions[kvHead];
		// With one row set for every head, a slot it reads is read from every KV head.
		const readRows = B === 1 ? Array.from({ length: Hkv }, (_, h) => h * S) : [kvHead * S];
		for (let t = 0; t < T; t++) {
			const qp = ctx.queryPositions[t];
			const [from, to] = visibleRange(keyPos, qp, ctx.window);
			const row = (b * T + t) * S;
			const hookRow = hookMask ? (hookMask.perHead ? b : 0) * T * S + t * S : -1;
			let visible = 0;
			for (let s = from; s < to; s++) {
				if (hookRow >= 0 && hookMask!.mask[hookRow + s] === 0) continue;
				visible++;
				bias[row + s] = distance ? -distance.slopes[b] * (distance.query[t] - distance.keys[kvHead][s]) : 0;
				for (const r of readRows) readByKvHead[r + s] = 1;
			}
			if (visible === 0) throw new EngineError(`Layer ${ctx.layer}: every key is masked for the query at position ${qp}; a pattern must leave each query at least one key.`);
		}
	}
	let read = 0;
	const used = new Uint8Array(S);
	for (let h = 0; h < Hkv; h++) {
		for (let s = 0; s < S; s++) {
			read += readByKvHead[h * S + s];
			used[s] |= readByKvHead[h * S + s];
		}
	}
	return { bias, B, bytesRead: read * d * 2 * 4, used };
}

/**
 * The common case, fast: plain causality over each head's keys, within the window. Cache
 * positions only grow (appends are in order and `keep` preserves order), so a row's visible keys
 * are one run of slots.
 */
function causalBias(ctx: LayerContext, bias: Float32Array, B: number): AttentionBias {
	const { heads: H, kvHeads: Hkv, headDim: d } = ctx.config;
	const T = ctx.queryPositions.length;
	const S = ctx.slots;
	const used = new Uint8Array(S);
	for (let b = 0; b < B; b++) {
		const keyPos = ctx.keyPositions[Math.floor((b * Hkv) / H)];
		for (let t = 0; t < T; t++) {
			const [from, to] = visibleRange(keyPos, ctx.queryPositions[t], ctx.window);
			if (to === from) throw new EngineError(`Layer ${ctx.layer}: no key is visible from position ${ctx.queryPositions[t]}.`);
			bias.fill(-Infinity, (b * T + t) * S, (b * T + t) * S + from);
			bias.fill(-Infinity, (b * T + t) * S + to, (b * T + t + 1) * S);
			used.fill(1, from, to);
		}
	}
	let read = 0;
	const last = ctx.queryPositions[T - 1];
	for (const keyPos of ctx.keyPositions) {
		const [from, to] = visibleRange(keyPos, last, ctx.window);
		read += to - from;
	}
	return { bias, B, bytesRead: read * d * 2 * 4, used };
}

/**
 * Pre-mask logits [H, to − from, S] of query rows [from, to) (all by default) from pre-scaled
 * queries [H, T, d] and keys [Hkv, S, d].
 */
export function attentionScores(q: Float32Array, k: Float32Array, H: number, Hkv: number, T: number, S: number, d: number, from = 0, to = T): Float32Array {
	const rows = to - from;
	const scores = new Float32Array(H * rows * S);
	const group = H / Hkv;
	for (let h = 0; h < H; h++) {
		const kv = Math.floor(h / group);
		for (let t = from; t < to; t++) {
			for (let s = 0; s < S; s++) {
				let dot = 0;
				for (let c = 0; c < d; c++) dot += q[(h * T + t) * d + c] * k[(kv * S + s) * d + c];
				scores[(h * rows + t - from) * S + s] = dot;
			}
		}
	}
	return scores;
}

/**
 * Which entries [B, T, slots] of a call whose plan has a far branch use the near (query, key)
 * pair: those whose original distance is below `fromDistance`.
 */
export function nearMask(ctx: LayerContext, fromDistance: number, B: number): Uint8Array {
	const { heads: H, kvHeads: Hkv } = ctx.config;
	const T = ctx.queryPositions.length;
	const S = ctx.slots;
	const near = new Uint8Array(B * T * S);
	for (let b = 0; b < B; b++) {
		const keyPos = ctx.keyPositions[Math.floor((b * Hkv) / H)];
		for (let t = 0; t < T; t++) {
			for (let s = 0; s < keyPos.length; s++) near[(b * T + t) * S + s] = ctx.queryPositions[t] - keyPos[s] < fromDistance ? 1 : 0;
		}
	}
	return near;
}
