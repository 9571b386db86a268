import type { KvPolicy } from '../types';
import { BUDGET_PARAMS, keepLast } from './select';
import { compressEvery } from './wrappers';

export const tova: KvPolicy = compressEvery(1, {
	id: 'tova',
	name: 'TOVA',
	summary: 'At every step, keeps the tokens the current query attends to most, averaged over all heads of the layer.',
	paper: { title: 'Transformers are Multi-State RNNs', year: 2024, url: 'https://arxiv.org/abs/2401.06104' },
	needs: ['lastRowLayer'],
	params: BUDGET_PARAMS,
	// The newest token is always kept (kvpress forces it); the rest by layer-wide attention.
	score: (_p, { lastRowLayer }) => keepLast(Float64Array.from(lastRowLayer), 1)
});
