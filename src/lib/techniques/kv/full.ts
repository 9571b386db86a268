import type { KvPolicy } from '../types';

export const fullCache: KvPolicy = {
	id: 'full',
	name: 'Full KV cache',
	summary: 'Every key and value stays resident and is read at every decoding step.',
	paper: null,
	keepsAll: true,
	needs: [],
	params: {}
};
