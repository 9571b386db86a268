/**
 * SnapKV: the prompt's last `window` queries vote (attention summed over them, pooled along
 * positions, averaged over the query heads of each KV head); the top prefix tokens and the
 * whole window stay. The budget counts the window.
 */
import type { KeepInput, KvPolicy } from '../types';
import type { ParamValues } from '../../params/param-spec';
import { HEAD_BUDGET_PARAMS, budgetParams, pool } from './select';
import { range, topK } from '../ranking';

export const SNAP_PARAMS = {
	...budgetParams(0),
	...HEAD_BUDGET_PARAMS,
	window: { kind: 'int', label: 'Observation window', unit: 'tokens', description: 'kvpress: 64; SnapKV LongBench: 32.', min: 1, max: 4096, default: 16 },
	kernel: { kind: 'int', label: 'Pooling kernel', description: 'kvpress: 5; SnapKV LongBench: 7.', min: 1, max: 63, default: 5 },
	pooling: { kind: 'enum', label: 'Pooling', options: ['avg', 'max'], default: 'avg' }
} as const;

export function snapKeep(p: ParamValues, input: KeepInput, budget: number): number[] {
	const w = Math.min(p.window as number, input.n);
	if (budget >= input.n) return range(0, input.n);
	if (budget <= w) return range(input.n - budget, input.n);
	const prefix = input.n - w;
	const scores = pool(input.window.slice(0, prefix), p.kernel as number, p.pooling as 'avg' | 'max');
	return [...topK(scores, budget - w, range(0, prefix)), ...range(prefix, input.n)];
}

/** Pooled window votes for the prefix; the window itself is always kept. */
export function snapScores(p: ParamValues, input: KeepInput): Float64Array {
	const w = Math.min(p.window as number, input.n);
	const prefix = input.n - w;
	const scores = new Float64Array(input.n).fill(Infinity);
	scores.set(pool(input.window.slice(0, prefix), p.kernel as number, p.pooling as 'avg' | 'max'));
	return scores;
}

export const snapKv: KvPolicy = {
	id: 'snapkv',
	name: 'SnapKV',
	summary: 'The end of the prompt (the question) votes for the earlier tokens worth keeping; compressed once after prefill.',
	paper: { title: 'SnapKV: LLM Knows What You are Looking for Before Generation', year: 2024, url: 'https://arxiv.org/abs/2404.14469' },
	observes: true,
	params: SNAP_PARAMS,
	windowOf: (p) => p.window as number,
	scores: snapScores,
	keep: (p, input) => snapKeep(p, input, input.budget)
};
