import type { KvPolicy } from '../types';
import { budgetParams } from './select';
import { range, topK } from '../ranking';

export const tova: KvPolicy = {
	id: 'tova',
	name: 'TOVA',
	summary: 'At every step, keeps the tokens the current query attends to most, averaged over all heads of the layer.',
	paper: { title: 'Transformers are Multi-State RNNs', year: 2024, url: 'https://arxiv.org/abs/2401.06104' },
	observes: true,
	params: budgetParams(1),
	// The newest token is always kept (kvpress forces it); the rest by layer-wide attention.
	keep: (_p, { n, budget, lastRowLayer }) => (budget <= 0 ? [] : [...topK(lastRowLayer, budget - 1, range(0, n - 1)), n - 1])
};
