import type { KvPolicy } from '../types';
import { BUDGET_PARAMS } from './select';
import { compressEvery } from './wrappers';

export const randomEviction: KvPolicy = compressEvery(0, {
	id: 'random',
	name: 'Random (baseline)',
	summary: 'Keeps a seeded random subset: the floor any scoring policy must beat.',
	paper: null,
	needs: [],
	params: BUDGET_PARAMS,
	score: (_p, { n, random }) => Float64Array.from({ length: n }, random)
});
