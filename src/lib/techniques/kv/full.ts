import type { KvPolicy } from '../types';
import { range } from '../ranking';

export const fullCache: KvPolicy = {
	id: 'full',
	name: 'Full KV cache',
	summary: 'Every key and value stays resident and is read at every decoding step.',
	paper: null,
	keepsAll: true,
	observes: false,
	params: {},
	keep: (_p, input) => range(0, input.n)
};
