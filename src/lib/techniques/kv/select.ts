/** Helpers shared by KV policies. */
import type { ParamSpecs } from '../../params/param-spec';
import { range, topK } from '../ranking';

/**
 * kvpress's budget knobs: a compression ratio (share removed) or an absolute token budget, and
 * when to compress: after prefill only (0) or also every N decode steps.
 */
export function budgetParams(every: number) {
	return {
		ratio: { kind: 'number', label: 'Compression ratio', description: 'Share of the cache removed (kvpress `compression_ratio`).', min: 0, max: 1, step: 0.05, default: 0.5 },
		tokens: { kind: 'int', label: 'Token budget', unit: 'tokens', description: 'Entries kept per layer and KV head; 0 = use the ratio.', min: 0, max: 1048576, default: 0 },
		every: { kind: 'int', label: 'Compress every', unit: 'steps', description: '0 = once after prefill; N = also every N decoded tokens.', min: 0, max: 65536, default: every }
	} as const satisfies ParamSpecs;
}

/** Entries kept for `seen` tokens: floor(seen · (1 − ratio)), or the token budget. */
export function budgetFor(params: { ratio: unknown; tokens: unknown }, seen: number): number {
	const tokens = params.tokens as number;
	return tokens > 0 ? tokens : Math.floor(seen * (1 - (params.ratio as number)));
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

/** AdaKV's head-wise budgets, offered by every policy that scores its entries. */
export const HEAD_BUDGET_PARAMS = {
	head_budgets: {
		kind: 'enum',
		label: 'Head budgets',
		description: 'adaptive (AdaKV): a layer\'s total budget goes to the heads whose entries score highest.',
		options: ['uniform', 'adaptive'],
		default: 'uniform'
	},
	alpha: { kind: 'number', label: 'AdaKV safeguard α', description: 'Share of each head\'s uniform budget it always keeps (kvpress: 0.2).', min: 0, max: 1, step: 0.05, default: 0.2 }
} as const satisfies ParamSpecs;

/**
 * AdaKV (kvpress `AdaKVPress`): each head first keeps its top floor(α·budget) entries; the rest
 * of the layer's budget (heads × budget) goes to the highest remaining scores across all heads.
 */
export function adaptiveBudgets(scores: Float64Array[], budget: number, alpha: number): number[][] {
	const guaranteed = Math.floor(budget * alpha);
	const kept = scores.map((s) => topK(s, guaranteed, range(0, s.length)));
	const taken = kept.map((k) => new Set(k));
	const pool: { head: number; index: number; score: number }[] = [];
	scores.forEach((s, head) => s.forEach((score, index) => taken[head].has(index) || pool.push({ head, index, score })));
	pool.sort((a, b) => b.score - a.score || a.head - b.head || a.index - b.index);
	const remaining = Math.max(0, scores.length * budget - kept.reduce((n, k) => n + k.length, 0));
	for (const { head, index } of pool.slice(0, remaining)) kept[head].push(index);
	return kept.map((k) => k.sort((a, b) => a - b));
}
