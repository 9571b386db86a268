/** Picking the highest-scoring entries, shared by patterns, KV policies and pruners. */

/** Indices of the `k` highest scores among `candidates` (ties to the earlier index), ascending. */
export function topK(scores: ArrayLike<number>, k: number, candidates: number[]): number[] {
	const chosen = [...candidates].sort((a, b) => scores[b] - scores[a] || a - b).slice(0, Math.max(0, k));
	return chosen.sort((a, b) => a - b);
}

export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
