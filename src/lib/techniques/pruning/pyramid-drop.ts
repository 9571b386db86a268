/** PyramidDrop: stage boundaries after which λ of the remaining prunable tokens survive (λ, λ², …). */
import type { TokenPruner } from '../types';
import { PROTECT_PARAMS, layerRefusal, stagedHeldTokens } from './params';

export const pyramidDrop: TokenPruner = {
	id: 'pyramid-drop',
	name: 'PyramidDrop',
	summary: 'Drops prompt tokens in stages: after each boundary layer only a share λ of the survivors continue.',
	paper: { title: 'PyramidDrop: Accelerating Your Large Vision-Language Models via Pyramid Visual Redundancy Reduction', year: 2024, url: 'https://arxiv.org/abs/2410.17247' },
	params: {
		layers: { kind: 'int-list', label: 'Stage boundaries', description: 'Layers after which a stage ends (paper: 8, 16, 24 of 32).', min: 0, max: 511, maxItems: 16, default: [0, 1] },
		lambda: { kind: 'number', label: 'λ per stage', description: 'Paper: 0.5.', min: 0, max: 1, step: 0.05, default: 0.5 },
		...PROTECT_PARAMS
	},
	ranking: 'attention',
	refuse: (p, config) => layerRefusal(p.layers as number[], config.layers),
	stages: (p) => [...(p.layers as number[])].sort((a, b) => a - b).map((afterLayer, s) => ({ afterLayer, keepShare: (p.lambda as number) ** (s + 1) })),
	heldTokens: (p, config, n) => stagedHeldTokens(pyramidDrop.stages(p, config), p, config.layers, n)
};
