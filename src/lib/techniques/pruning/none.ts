import type { TokenPruner } from '../types';

export const noPruning: TokenPruner = {
	id: 'none',
	name: 'No pruning',
	summary: 'Every prompt token continues through every layer.',
	paper: null,
	params: {},
	ranking: 'attention',
	stages: () => [],
	heldTokens: (_p, config, n) => Array(config.layers).fill(n)
};
