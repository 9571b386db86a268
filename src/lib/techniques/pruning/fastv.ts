/**
 * FastV: after layer K−1, rank the prunable tokens by the attention the last token gives them
 * (averaged over heads) and drop the lowest R; kept tokens keep their original positions.
 */
import type { TokenPruner } from '../types';
import { PROTECT_PARAMS, layerRefusal, stagedHeldTokens } from './params';

export const fastv: TokenPruner = {
	id: 'fastv',
	name: 'FastV',
	summary: 'After an early layer, drops the prompt tokens the last token barely attends to.',
	paper: { title: 'An Image is Worth 1/2 Tokens After Layer 2: Plug-and-Play Inference Acceleration for Large Vision-Language Models', year: 2024, url: 'https://arxiv.org/abs/2403.06764' },
	params: {
		k: { kind: 'int', label: 'Layer K', description: 'Tokens are dropped from layer K on (paper: K = 2).', min: 1, max: 511, default: 2 },
		r: { kind: 'number', label: 'Drop ratio R', description: 'Share of prunable tokens dropped (paper: 0.5).', min: 0, max: 1, step: 0.05, default: 0.5 },
		...PROTECT_PARAMS
	},
	ranking: 'attention',
	refuse: (p, config) => layerRefusal([(p.k as number) - 1], config.layers),
	stages: (p) => [{ afterLayer: (p.k as number) - 1, keepShare: 1 - (p.r as number) }],
	heldTokens: (p, config, n) => stagedHeldTokens(fastv.stages(p, config), p, config.layers, n)
};
