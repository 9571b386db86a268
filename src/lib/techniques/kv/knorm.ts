import type { KvPolicy } from '../types';
import { BUDGET_PARAMS } from './select';
import { adaKv, compressEvery } from './wrappers';

export const knorm: KvPolicy = adaKv(
	compressEvery(0, {
	id: 'knorm',
	name: 'K-norm',
	summary: 'Attention-free: keeps the keys with the smallest L2 norm, which tend to draw the most attention.',
	paper: { title: 'A Simple and Effective L2 Norm-Based Strategy for KV Cache Compression', year: 2024, url: 'https://arxiv.org/abs/2406.11430' },
	needs: [],
	params: BUDGET_PARAMS,
	score: (_p, { n, keys, headDim }) =>
		Float64Array.from({ length: n }, (_, i) => {
			let sum = 0;
			for (let c = 0; c < headDim; c++) sum += keys[i * headDim + c] ** 2;
			return -Math.sqrt(sum);
		})
	})
);
