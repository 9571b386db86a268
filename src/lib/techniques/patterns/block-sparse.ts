import { maskOf } from './shapes';
import type { AttentionPattern } from '../types';

export const blockSparse: AttentionPattern = {
	id: 'block-sparse',
	name: 'Static block-sparse',
	summary: 'Attention in blocks: each query block sees its nearest blocks and a few global blocks at the start.',
	paper: { title: 'Big Bird: Transformers for Longer Sequences', year: 2020, url: 'https://arxiv.org/abs/2007.14062' },
	params: {
		block: { kind: 'int', label: 'Block size', unit: 'tokens', min: 1, max: 4096, default: 32 },
		local: { kind: 'int', label: 'Local blocks', description: 'Blocks back from the query\'s own (its own included).', min: 1, max: 1024, default: 2 },
		global: { kind: 'int', label: 'Global blocks', description: 'Blocks at the start every query sees.', min: 0, max: 1024, default: 1 }
	},
	perHead: false,
	decodeReads: (p, n) => {
		const b = p.block as number;
		const localFrom = Math.max(0, (Math.floor((n - 1) / b) - (p.local as number) + 1) * b);
		return n - localFrom + Math.min((p.global as number) * b, localFrom);
	},
	// Global blocks are the first global·block positions.
	rule: (p) => ({ sinks: (p.global as number) * (p.block as number), blockWindow: { size: p.block as number, blocks: p.local as number } }),
	mask: (p, grid) => {
		const b = p.block as number;
		return maskOf(grid, (i, j) => {
			const bi = Math.floor(i / b);
			const bj = Math.floor(j / b);
			return bi - bj < (p.local as number) || bj < (p.global as number);
		});
	}
};
