import { ownPlan, ropeOnly } from './rope-scaling';
import type { PositionScheme } from '../types';

export const ropeBase: PositionScheme = {
	id: 'rope-base',
	name: 'RoPE with another base',
	summary: 'Rotary positions with a different base θ: larger bases rotate more slowly and reach further. A config\'s rope scaling is recomputed around θ.',
	paper: { title: 'RoFormer: Enhanced Transformer with Rotary Position Embedding', year: 2021, url: 'https://arxiv.org/abs/2104.09864' },
	params: { base: { kind: 'number', label: 'Base θ', min: 1, max: 1e9, default: 10000 } },
	refuse: (_p, config) => ropeOnly(config, 'A RoPE base'),
	// As if the config's rope_theta were θ: every transformers rope type is a function of the base.
	plan: (p, config, ctx) => ownPlan(config, ctx, p.base as number)
};
