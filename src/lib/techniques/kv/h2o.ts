/** H2O: the most recent tokens plus the "heavy hitters" with the most accumulated attention. */
import type { KvPolicy } from '../types';
import { HEAD_BUDGET_PARAMS, budgetParams } from './select';
import { range, topK } from '../ranking';

export const h2o: KvPolicy = {
	id: 'h2o',
	name: 'H2O (heavy hitters)',
	summary: 'Keeps recent tokens plus the tokens that have received the most attention so far.',
	paper: { title: 'H2O: Heavy-Hitter Oracle for Efficient Generative Inference of Large Language Models', year: 2023, url: 'https://arxiv.org/abs/2306.14048' },
	observes: true,
	params: {
		...budgetParams(1),
		recent_share: { kind: 'number', label: 'Recent share', description: 'Part of the budget for the most recent tokens (the paper splits it evenly).', min: 0, max: 1, step: 0.05, default: 0.5 },
		...HEAD_BUDGET_PARAMS
	},
	scores: (p, { n, budget, accumulated }) => {
		const recent = Math.min(n, Math.round(budget * (p.recent_share as number)));
		return Float64Array.from({ length: n }, (_, i) => (i >= n - recent ? Infinity : accumulated[i]));
	},
	keep: (p, { n, budget, accumulated }) => {
		const recent = Math.min(n, Math.round(budget * (p.recent_share as number)));
		const heavy = topK(accumulated, budget - recent, range(0, n - recent));
		return [...heavy, ...range(n - recent, n)];
	}
};
