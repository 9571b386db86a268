/** Picking the highest-scoring entries, shared by patterns, KV policies and pruners. */

/**
 * Indices of the `k` highest scores among `candidates` (ties to the earlier index), ascending.
 * A heap of the best k so far, the worst of them on top, keeps this O(n log k): masks pick a few
 * keys per query from thousands.
 */
export function topK(scores: ArrayLike<number>, k: number, candidates: number[]): number[] {
	const want = Math.max(0, Math.min(k, candidates.length));
	const better = (a: number, b: number) => scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
	const heap: number[] = [];
	const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j], heap[i]]);
	for (const c of candidates) {
		if (heap.length < want) {
			heap.push(c);
			for (let i = heap.length - 1; i > 0 && better(heap[(i - 1) >> 1], heap[i]); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
		} else if (want > 0 && scores[c] >= scores[heap[0]] && better(c, heap[0])) {
			// (Most candidates fall below the worst kept score: the cheap test turns them away.)
			heap[0] = c;
			for (let i = 0; ; ) {
				const [l, r] = [2 * i + 1, 2 * i + 2];
				let worst = i;
				if (l < heap.length && better(heap[worst], heap[l])) worst = l;
				if (r < heap.length && better(heap[worst], heap[r])) worst = r;
				if (worst === i) break;
				swap(i, worst);
				i = worst;
			}
		}
	}
	return heap.sort((a, b) => a - b);
}

export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
