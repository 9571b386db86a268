/**
 * PyramidKV: SnapKV's scores with budgets that shrink linearly from the first layer to the last
 * (kvpress `get_layer_budget`): M = w + n(1 − cr), min = (M − w)/β, max = 2(M − w) − min,
 * budget_ℓ = round(max − ℓ·(max − min)/(L − 1)), falling back to uniform when out of bounds.
 */
import type { KvPolicy } from '../types';
import { budgetFor } from './select';
import { SNAP_PARAMS, snapScores } from './snapkv';
import { adaKv, compressEvery } from './wrappers';

export function pyramidBudget(n: number, keep: number, window: number, beta: number, layer: number, layers: number): number {
	const M = window + keep;
	let min = (M - window) / beta;
	let max = 2 * (M - window) - min;
	if (max >= n - window) {
		max = n - window;
		min = 2 * (M - window) - max;
	}
	if (!(n >= max && max >= min && min >= window)) return Math.round(keep);
	return Math.round(max - (layer * (max - min)) / Math.max(1, layers - 1));
}

export const pyramidKv: KvPolicy = adaKv(
	compressEvery(0, {
	id: 'pyramidkv',
	name: 'PyramidKV',
	summary: 'SnapKV with a pyramid of budgets: lower layers keep more, higher layers keep less, same total.',
	paper: { title: 'PyramidKV: Dynamic KV Cache Compression based on Pyramidal Information Funneling', year: 2024, url: 'https://arxiv.org/abs/2406.02069' },
	needs: ['window'],
	params: { ...SNAP_PARAMS, beta: { kind: 'number', label: 'β', description: 'Ratio of the largest to the smallest budget (paper: 20).', min: 1, max: 1000, default: 20 } },
	windowOf: (p) => p.window as number,
	// From the tokens seen, as at prefill: recomputing from a cache already compressed would shrink it again.
	budget: (p, { seen, layer, layers }) => pyramidBudget(seen, budgetFor(p, seen), p.window as number, p.beta as number, layer, layers),
	score: snapScores
	})
);
