import type { KvPolicy } from '../types';
import { budgetParams } from './select';
import { range } from '../ranking';

export const recentOnly: KvPolicy = {
	id: 'recent',
	name: 'Recent only (baseline)',
	summary: 'Keeps only the most recent tokens: a sliding window without sinks.',
	paper: null,
	observes: false,
	params: budgetParams(1),
	keep: (_p, { n, budget }) => range(Math.max(0, n - budget), n)
};
