import type { KvPolicy } from '../types';
import { budgetParams, range } from './select';

export const recentOnly: KvPolicy = {
	id: 'recent',
	name: 'Recent only (baseline)',
	summary: 'Keeps only the most recent tokens: a sliding window without sinks.',
	paper: null,
	observes: false,
	params: budgetParams(1),
	keep: (_p, { n, budget }) => range(Math.max(0, n - budget), n)
};
