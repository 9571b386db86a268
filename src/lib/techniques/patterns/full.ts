import type { AttentionPattern } from '../types';

export const full: AttentionPattern = {
	id: 'full',
	name: 'Full causal',
	summary: 'Every query attends to every earlier token: the baseline all patterns are compared with.',
	paper: null,
	params: {},
	perHead: false,
	decodeReads: (_p, n) => n,
	keepsAll: true,
	rule: () => ({ window: Infinity }),
	mask: (_params, grid) => new Uint8Array(grid.queryPositions.length * grid.keyPositions.length).fill(1)
};
