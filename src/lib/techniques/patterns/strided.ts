import { maskOf } from './shapes';
import type { AttentionPattern } from '../types';

export const strided: AttentionPattern = {
	id: 'strided',
	name: 'Strided (Sparse Transformer)',
	summary: 'The previous `stride` tokens plus every `stride`-th token before them: two factorised heads in one mask.',
	paper: { title: 'Generating Long Sequences with Sparse Transformers', year: 2019, url: 'https://arxiv.org/abs/1904.10509' },
	params: { stride: { kind: 'int', label: 'Stride', unit: 'tokens', min: 1, max: 4096, default: 32 } },
	perHead: false,
	// The last `stride` keys, plus each further multiple of the stride back.
	decodeReads: (p, n) => Math.min(n, p.stride as number) + Math.floor((n - 1) / (p.stride as number)),
	rule: (p) => ({ window: p.stride as number, period: { every: p.stride as number, reach: Infinity } }),
	mask: (p, grid) => {
		const l = p.stride as number;
		return maskOf(grid, (i, j) => i - j < l || (i - j) % l === 0);
	}
};
