/**
 * The kernels' oracle: attention, its row statistics and pooled maps in plain TypeScript (f64)
 * over a dense visibility [H][T, S], straight from the definitions. Never used in the app.
 */
import type { AttentionCall } from './call';

export type Visibility = (h: number, t: number, s: number) => boolean;

/** Whether a pattern's dense masks [H][T, S] keep (h, t, s), with causality and the layer's window applied. */
export function visibilityOf(call: AttentionCall, masks: Uint8Array[]): Visibility {
	const group = call.heads / call.kvHeads;
	return (h, t, s) => {
		const keys = call.keyPositions[Math.floor(h / group)];
		if (s >= keys.length || !masks[h][t * call.S + s]) return false;
		const distance = call.queryPositions[t] - keys[s];
		return distance >= 0 && (call.layerWindow === null || distance < call.layerWindow);
	};
}

/** Row (h, t)'s probabilities over the S slots (0 where hidden), and its log-sum-exp. */
export function rowProbabilities(call: AttentionCall, visible: Visibility, h: number, t: number): { p: Float64Array; lse: number } {
	const { heads: H, kvHeads: Hkv, headDim: d, S } = call;
	const T = call.queryPositions.length;
	const kvh = Math.floor(h / (H / Hkv));
	const scores = new Float64Array(S).fill(-Infinity);
	for (let s = 0; s < S; s++) {
		if (!visible(h, t, s)) continue;
		let dot = 0;
		for (let e = 0; e < d; e++) dot += call.q[(h * T + t) * d + e] * call.k[(kvh * S + s) * d + e];
		if (call.softcap !== null) dot = call.softcap * Math.tanh(dot / call.softcap);
		if (call.slopes) dot -= call.slopes[h] * (call.queryPositions[t] - call.keyPositions[kvh][s]);
		scores[s] = dot;
	}
	const max = Math.max(...scores);
	if (max === -Infinity) return { p: new Float64Array(S), lse: -Infinity };
	const e = scores.map((x) => Math.exp(x - max));
	const total = e.reduce((a, b) => a + b, 0);
	return { p: e.map((x) => x / total), lse: max + Math.log(total) };
}

/** Attention output [T, H·d] and log-sum-exp [H, T]. */
export function referenceAttention(call: AttentionCall, visible: Visibility): { out: Float64Array; logSumExp: Float64Array } {
	const { heads: H, kvHeads: Hkv, headDim: d, S } = call;
	const T = call.queryPositions.length;
	const out = new Float64Array(T * H * d);
	const logSumExp = new Float64Array(H * T);
	for (let h = 0; h < H; h++) {
		const kvh = Math.floor(h / (H / Hkv));
		for (let t = 0; t < T; t++) {
			const { p, lse } = rowProbabilities(call, visible, h, t);
			logSumExp[h * T + t] = lse;
			for (let s = 0; s < S; s++) {
				if (p[s] === 0) continue;
				for (let e = 0; e < d; e++) out[(t * H + h) * d + e] += p[s] * call.v[(kvh * S + s) * d + e];
			}
		}
	}
	return { out, logSumExp };
}

/** Per row [H, T]: sink mass (keys below `sinkBelow`), mean distance, entropy, top slot, and the share kept by `recallOf`. */
export function referenceRowStatistics(call: AttentionCall, visible: Visibility, sinkBelow: number, recallOf: Visibility | null) {
	const { heads: H, kvHeads: Hkv, S } = call;
	const T = call.queryPositions.length;
	const rows = H * T;
	const stats = { sinkMass: new Float64Array(rows), meanDistance: new Float64Array(rows), entropy: new Float64Array(rows), topSlot: new Int32Array(rows).fill(-1), recall: new Float64Array(rows) };
	for (let h = 0; h < H; h++) {
		const keys = call.keyPositions[Math.floor(h / (H / Hkv))];
		for (let t = 0; t < T; t++) {
			const r = h * T + t;
			const { p } = rowProbabilities(call, visible, h, t);
			let best = 0;
			for (let s = 0; s < S; s++) {
				if (p[s] <= 0) continue;
				if (keys[s] < sinkBelow) stats.sinkMass[r] += p[s];
				stats.meanDistance[r] += p[s] * (call.queryPositions[t] - keys[s]);
				stats.entropy[r] -= p[s] * Math.log(p[s]);
				if (p[s] > best) [best, stats.topSlot[r]] = [p[s], s];
				if (recallOf?.(h, t, s)) stats.recall[r] += p[s];
			}
		}
	}
	return stats;
}

/** Max- or mean-pooled probabilities of a window, [heads, rows, cols], cells covering even shares as the kernel cuts them. */
export function referencePool(
	call: AttentionCall,
	visible: Visibility,
	w: { rowFrom: number; rowTo: number; slotFrom: number; slotTo: number; rows: number; cols: number; headFrom: number; headTo: number; mode: 'max' | 'mean' }
): Float64Array {
	const out = new Float64Array((w.headTo - w.headFrom) * w.rows * w.cols);
	const cut = (from: number, to: number, parts: number, n: number) => from + Math.floor((n * (to - from)) / parts);
	for (let h = w.headFrom; h < w.headTo; h++) {
		const probs = Array.from({ length: w.rowTo - w.rowFrom }, (_, n) => rowProbabilities(call, visible, h, w.rowFrom + n).p);
		for (let a = 0; a < w.rows; a++) {
			for (let b = 0; b < w.cols; b++) {
				let value = 0;
				let cells = 0;
				for (let t = cut(w.rowFrom, w.rowTo, w.rows, a); t < cut(w.rowFrom, w.rowTo, w.rows, a + 1); t++) {
					for (let s = cut(w.slotFrom, w.slotTo, w.cols, b); s < cut(w.slotFrom, w.slotTo, w.cols, b + 1); s++) {
						const p = probs[t - w.rowFrom][s];
						value = w.mode === 'mean' ? value + p : Math.max(value, p);
						cells++;
					}
				}
				out[((h - w.headFrom) * w.rows + a) * w.cols + b] = w.mode === 'mean' ? value / Math.max(1, cells) : value;
			}
		}
	}
	return out;
}

/** The heatmap's tile cells (statistics.ts tileMaps): max over causal entries, −1 where none fell. */
export function referenceTile(call: AttentionCall, visible: Visibility, head: number, rowFrom: number, tile: { q0: number; q1: number; k0: number; k1: number; block: number; rows: number; cols: number }): Float64Array {
	const out = new Float64Array(tile.rows * tile.cols).fill(-1);
	const keys = call.keyPositions[Math.floor(head / (call.heads / call.kvHeads))];
	for (let t = rowFrom; t < call.queryPositions.length; t++) {
		const i = call.queryPositions[t];
		if (i < tile.q0 || i >= tile.q1) continue;
		const { p } = rowProbabilities(call, visible, head, t);
		for (let s = 0; s < keys.length; s++) {
			if (keys[s] > i || keys[s] < tile.k0 || keys[s] >= tile.k1) continue;
			const at = Math.floor((i - tile.q0) / tile.block) * tile.cols + Math.floor((keys[s] - tile.k0) / tile.block);
			out[at] = Math.max(out[at], p[s]);
		}
	}
	return out;
}
