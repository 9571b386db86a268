/**
 * Building the attention bias: pure functions of the call's positions, the hooks' mask and the
 * plan's distance penalty, so they are tested without onnxruntime.
 */
import { EngineError } from './errors';
import { sameKeyPositions, type LayerContext } from './hooks';
import { visibleRange } from './kv-cache';
import { slotsToRead } from './gather';

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
	/** [B, T, width]: 0 where a query may attend (or ALiBi's penalty), −∞ where it may not. */
	bias: Float32Array;
	/** 1 when one row set serves every head, else the number of query heads. */
	B: number;
	/** Bytes of keys and values (f32) the call reads from the cache. */
	bytesRead: number;
	/**
	 * The key slots the bias covers, ascending (width = their count), when it covers only those some
	 * query reads; null when it covers every slot (width = slots).
	 */
	slots: Int32Array | null;
}

/** One run of visible slots [start, end) of bias row `row`. */
interface Run {
	row: number;
	start: number;
	end: number;
}

/**
 * The additive attention bias of one attention call: causality (within the layer's sliding
 * window, when it has one), padding of shorter heads, a hook's mask and a distance penalty, with
 * B = 1 when every head sees the same keys the same way. Also the KV bytes (f32 keys and values)
 * the call reads, for the memory-traffic view.
 *
 * With `gatherBelow`, when at most that share of the slots is read by any query, the bias covers
 * only those slots (see gather.ts): a sparse pattern then never builds a row of every slot.
 */
export function attentionBias(ctx: LayerContext, hookMask?: HookMask, distance?: DistanceBias, gatherBelow?: number): AttentionBias {
	const { heads: H, kvHeads: Hkv, headDim: d } = ctx.config;
	const T = ctx.queryPositions.length;
	const S = ctx.slots;
	if (hookMask && hookMask.mask.length !== (hookMask.perHead ? H : 1) * T * S) {
		throw new EngineError(`attentionMask returned ${hookMask.mask.length} entries; expected ${(hookMask.perHead ? H : 1) * T * S}.`);
	}
	if (distance && distance.slopes.length !== H) throw new EngineError(`A position plan gave ${distance.slopes.length} ALiBi slopes for ${H} attention heads.`);
	const B = sameKeyPositions(ctx.keyPositions) && !distance && !hookMask?.perHead ? 1 : H;
	const kvHeadOf = (b: number) => Math.floor((b * Hkv) / B);

	// The visible runs of each row: causality within the window, then the hook's mask.
	const runs: Run[] = [];
	const readByKvHead = new Uint8Array(Hkv * S);
	for (let b = 0; b < B; b++) {
		const kvHead = kvHeadOf(b);
		const keyPos = ctx.keyPositions[kvHead];
		// With one row set for every head, a slot it reads is read from every KV head.
		const readRows = B === 1 ? Array.from({ length: Hkv }, (_, h) => h * S) : [kvHead * S];
		for (let t = 0; t < T; t++) {
			const row = b * T + t;
			const [from, to] = visibleRange(keyPos, ctx.queryPositions[t], ctx.window);
			const count = runs.length;
			const add = (start: number, end: number) => void runs.push({ row, start, end });
			if (hookMask) forEachRun(hookMask.mask, ((hookMask.perHead ? b : 0) * T + t) * S, from, to, add);
			else if (to > from) add(from, to);
			if (runs.length === count) {
				const why = hookMask ? 'every key is masked for the query at position' : 'no key is visible from position';
				throw new EngineError(`Layer ${ctx.layer}: ${why} ${ctx.queryPositions[t]}${hookMask ? '; a pattern must leave each query at least one key' : ''}.`);
			}
			// KV traffic: a masked or penalised call counts every query's reads, plain causality the last query's.
			if (hookMask || distance || t === T - 1) for (let r = count; r < runs.length; r++) for (const base of readRows) readByKvHead.fill(1, base + runs[r].start, base + runs[r].end);
		}
	}
	let read = 0;
	const used = new Uint8Array(S);
	for (const run of runs) used.fill(1, run.start, run.end);
	for (const flag of readByKvHead) read += flag;

	const slots = gatherBelow === undefined ? null : slotsToRead(used, gatherBelow);
	const width = slots ? slots.length : S;
	const column = slots ? new Int32Array(S) : null;
	if (slots) slots.forEach((slot, i) => (column![slot] = i));
	const bias = new Float32Array(B * T * width).fill(-Infinity);
	for (const { row, start, end } of runs) {
		// Used slots are contiguous in the gathered layout wherever they were in the cache.
		const at = row * width + (column ? column[start] : start);
		if (!distance) bias.fill(0, at, at + end - start);
		else {
			const b = Math.floor(row / T);
			const keys = distance.keys[kvHeadOf(b)];
			const query = distance.query[row - b * T];
			for (let s = start; s < end; s++) bias[at + s - start] = -distance.slopes[b] * (query - keys[s]);
		}
	}
	return { bias, B, bytesRead: read * d * 2 * 4, slots };
}

/**
 * Calls `run(start, end)` for each run of kept entries (1s) of `mask[base + from … base + to)`,
 * in order, with indices relative to `base`. Masked stretches are skipped by the engine's own
 * search (indexOf), so a sparse row costs what it keeps, not its length.
 */
export function forEachRun(mask: Uint8Array, base: number, from: number, to: number, run: (start: number, end: number) => void): void {
	let s = from;
	while (s < to) {
		const at = mask.indexOf(1, base + s);
		if (at < 0 || at - base >= to) return;
		let end = at - base;
		s = end;
		while (end < to && mask[base + end] !== 0) end++;
		run(s, end);
		s = end;
	}
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
