/** Mask builders shared by several patterns. */
import type { PatternGrid } from '../types';
import { countAtMost } from '../../engine/kv-cache';

/** A [T, S] mask with `keep(queryPosition, keyPosition)` for each entry. */
export function maskOf(grid: Pick<PatternGrid, 'queryPositions' | 'keyPositions'>, keep: (i: number, j: number) => boolean): Uint8Array {
	const { queryPositions: q, keyPositions: k } = grid;
	const mask = new Uint8Array(q.length * k.length);
	for (let t = 0; t < q.length; t++) {
		for (let s = 0; s < k.length; s++) if (keep(q[t], k[s])) mask[t * k.length + s] = 1;
	}
	return mask;
}

/** The first `sinks` positions plus the last `window` positions up to the query (itself included). */
export const sinkAndWindow = (sinks: number, window: number) => (i: number, j: number) => j < sinks || i - j < window;

/**
 * The mask of `sinkAndWindow(sinks, window)`, entry for entry, written as two runs of slots per row
 * (keys are in ascending positions) instead of a test per entry: at long contexts the test per
 * entry cost more than the attention the mask saves.
 */
export function sinkAndWindowMask(grid: Pick<PatternGrid, 'queryPositions' | 'keyPositions'>, sinks: number, window: number): Uint8Array {
	const { queryPositions: q, keyPositions: k } = grid;
	const S = k.length;
	const mask = new Uint8Array(q.length * S);
	const sinkSlots = countAtMost(k, sinks - 1);
	for (let t = 0; t < q.length; t++) {
		mask.fill(1, t * S, t * S + sinkSlots);
		mask.fill(1, t * S + countAtMost(k, q[t] - window), (t + 1) * S);
	}
	return mask;
}

/** Every entry kept. */
export const allKept = (grid: Pick<PatternGrid, 'queryPositions' | 'keyPositions'>) => new Uint8Array(grid.queryPositions.length * grid.keyPositions.length).fill(1);

/** Keys `sinkAndWindow(sinks, window)` leaves the query at position n − 1. */
export const sinkAndWindowReads = (sinks: number, window: number, n: number) => Math.min(n, window) + Math.max(0, Math.min(sinks, n - window));

/** Whether the layer itself lets the query at i see the key at j: causal, within its sliding window. */
export const visibleTo = (window: number | null) => (i: number, j: number) => j <= i && (window === null || j > i - window);

/** Row-wise softmax of `scores` [T, S] over the keys the layer lets each query see; other entries are 0. */
export function causalSoftmax(scores: Float32Array, grid: Pick<PatternGrid, 'queryPositions' | 'keyPositions' | 'window'>): Float32Array {
	const T = grid.queryPositions.length;
	const S = grid.keyPositions.length;
	const visible = visibleTo(grid.window);
	const probs = new Float32Array(T * S);
	for (let t = 0; t < T; t++) {
		let max = -Infinity;
		for (let s = 0; s < S; s++) if (visible(grid.queryPositions[t], grid.keyPositions[s])) max = Math.max(max, scores[t * S + s]);
		let total = 0;
		for (let s = 0; s < S; s++) {
			if (!visible(grid.queryPositions[t], grid.keyPositions[s])) continue;
			const e = Math.exp(scores[t * S + s] - max);
			probs[t * S + s] = e;
			total += e;
		}
		for (let s = 0; s < S; s++) probs[t * S + s] /= total || 1;
	}
	return probs;
}
