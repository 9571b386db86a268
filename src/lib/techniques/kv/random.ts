import type { KvPolicy } from '../types';
import { budgetParams } from './select';
import { range, topK } from '../ranking';

export const randomEviction: KvPolicy = {
	id: 'random',
	name: 'Random (baseline)',
	summary: 'Keeps a seeded random subset: the floor any scoring policy must beat.',
	paper: null,
	observes: false,
	params: budgetParams(0),
	keep: (_p, { n, budget, random }) => {
		const draws = Float64Array.from({ length: n }, random);
		return topK(draws, budget, range(0, n));
	}
};
