/** Helpers shared by KV policies. */
import type { ParamSpecs, ParamValues } from '../../params/param-spec';

/** kvpress's budget knobs: a compression ratio (share removed) or an absolute token budget. */
export const BUDGET_PARAMS = {
	ratio: { kind: 'number', label: 'Compression ratio', description: 'Share of the cache removed (kvpress `compression_ratio`).', min: 0, max: 1, step: 0.05, default: 0.5 },
	tokens: { kind: 'int', label: 'Token budget', unit: 'tokens', description: 'Entries kept per layer and KV head; 0 = use the ratio.', min: 0, max: 1048576, default: 0 }
} as const satisfies ParamSpecs;

/** Entries kept for `seen` tokens: floor(seen · (1 − ratio)), or the token budget. */
export function budgetFor(params: ParamValues, seen: number): number {
	const tokens = params.tokens as number;
	return tokens > 0 ? tokens : Math.floor(seen * (1 - (params.ratio as number)));
}

/** Scores that keep the first `sinks` entries, then the most recent ones (StreamingLLM, DuoAttention's streaming heads). */
export function sinksThenRecent(n: number, sinks: number): Float64Array {
	return Float64Array.from({ length: n }, (_, i) => (i < sinks ? Infinity : i));
}

/** Scores that keep the most recent entries. */
export const recency = (n: number) => sinksThenRecent(n, 0);

/** Marks the last `count` entries as always kept (+∞). */
export function keepLast(scores: Float64Array, count: number): Float64Array {
	scores.fill(Infinity, Math.max(0, scores.length - count));
	return scores;
}

/** 1-D pooling with kernel k, padding k//2, stride 1 (SnapKV's avg/max pool over positions). */
export function pool(values: Float64Array, kernel: number, kind: 'avg' | 'max'): Float64Array {
	const half = Math.floor(kernel / 2);
	return values.map((_, i) => {
		let acc = kind === 'max' ? -Infinity : 0;
		for (let j = i - half; j <= i + half; j++) {
			// Zero padding, counted in the average as PyTorch's avg_pool1d does by default.
			const v = j >= 0 && j < values.length ? values[j] : kind === 'max' ? -Infinity : 0;
			acc = kind === 'max' ? Math.max(acc, v) : acc + v;
		}
		return kind === 'max' ? acc : acc / kernel;
	});
}
