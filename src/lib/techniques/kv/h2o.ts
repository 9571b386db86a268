/** H2O: the most recent tokens plus the "heavy hitters" with the most accumulated attention. */
import type { KvPolicy } from '../types';
import { BUDGET_PARAMS, keepLast } from './select';
import { adaKv, compressEvery } from './wrappers';

export const h2o: KvPolicy = adaKv(
	compressEvery(1, {
		id: 'h2o',
		name: 'H2O (heavy hitters)',
		summary: 'Keeps recent tokens plus the tokens that have received the most attention so far.',
		paper: { title: 'H2O: Heavy-Hitter Oracle for Efficient Generative Inference of Large Language Models', year: 2023, url: 'https://arxiv.org/abs/2306.14048' },
		needs: ['accumulated'],
		params: {
			...BUDGET_PARAMS,
			recent_share: { kind: 'number', label: 'Recent share', description: 'Part of the budget for the most recent tokens (the paper splits it evenly).', min: 0, max: 1, step: 0.05, default: 0.5 }
		},
		score: (p, { budget, accumulated }) => keepLast(Float64Array.from(accumulated), Math.round(budget * (p.recent_share as number)))
	})
);
