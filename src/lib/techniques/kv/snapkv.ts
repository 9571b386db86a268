/**
 * SnapKV: the prompt's last `window` queries vote (attention summed over them, pooled along
 * positions, averaged over the query heads of each KV head); the top prefix tokens and the
 * whole window stay. The budget counts the window.
 */
import type { ParamValues } from '../../params/param-spec';
import type { KvPolicy, ScoreInput } from '../types';
import { BUDGET_PARAMS, keepLast, pool } from './select';
import { adaKv, compressEvery } from './wrappers';

export const SNAP_PARAMS = {
	...BUDGET_PARAMS,
	window: { kind: 'int', label: 'Observation window', unit: 'tokens', description: 'kvpress: 64; SnapKV LongBench: 32.', min: 1, max: 4096, default: 16 },
	kernel: { kind: 'int', label: 'Pooling kernel', description: 'kvpress: 5; SnapKV LongBench: 7.', min: 1, max: 63, default: 5 },
	pooling: { kind: 'enum', label: 'Pooling', options: ['avg', 'max'], default: 'avg' }
} as const;

/**
 * Pooled window votes for the prefix. The window is always kept; a budget smaller than the
 * window keeps its most recent part.
 */
export function snapScores(p: ParamValues, { n, budget, window }: ScoreInput): Float64Array {
	const w = Math.min(p.window as number, n);
	const scores = new Float64Array(n);
	scores.set(pool(window.slice(0, n - w), p.kernel as number, p.pooling as 'avg' | 'max'));
	return keepLast(scores, Math.min(w, budget));
}

export const snapKv: KvPolicy = adaKv(
	compressEvery(0, {
	id: 'snapkv',
	name: 'SnapKV',
	summary: 'The end of the prompt (the question) votes for the earlier tokens worth keeping; compressed once after prefill.',
	paper: { title: 'SnapKV: LLM Knows What You are Looking for Before Generation', year: 2024, url: 'https://arxiv.org/abs/2404.14469' },
	needs: ['window'],
	params: SNAP_PARAMS,
	windowOf: (p) => p.window as number,
	score: snapScores
	})
);
