import type { KvPolicy } from '../types';
import { HEAD_BUDGET_PARAMS, budgetParams } from './select';
import { range, topK } from '../ranking';
import type { KeepInput } from '../types';

export const knorm: KvPolicy = {
	id: 'knorm',
	name: 'K-norm',
	summary: 'Attention-free: keeps the keys with the smallest L2 norm, which tend to draw the most attention.',
	paper: { title: 'A Simple and Effective L2 Norm-Based Strategy for KV Cache Compression', year: 2024, url: 'https://arxiv.org/abs/2406.11430' },
	observes: false,
	params: { ...budgetParams(0), ...HEAD_BUDGET_PARAMS },
	scores: (_p, input) => negativeNorms(input),
	keep: (_p, input) => topK(negativeNorms(input), input.budget, range(0, input.n))
};

function negativeNorms({ n, keys, headDim }: KeepInput): Float64Array {
	return Float64Array.from({ length: n }, (_, i) => {
		let sum = 0;
		for (let c = 0; c < headDim; c++) sum += keys[i * headDim + c] ** 2;
		return -Math.sqrt(sum);
	});
}
