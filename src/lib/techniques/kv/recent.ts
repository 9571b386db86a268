import type { KvPolicy } from '../types';
import { BUDGET_PARAMS, recency } from './select';
import { compressEvery } from './wrappers';

export const recentOnly: KvPolicy = compressEvery(1, {
	id: 'recent',
	name: 'Recent only (baseline)',
	summary: 'Keeps only the most recent tokens: a sliding window without sinks.',
	paper: null,
	needs: [],
	params: BUDGET_PARAMS,
	score: (_p, { n }) => recency(n)
});
