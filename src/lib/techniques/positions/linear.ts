import { ownPlan, ropeOnly } from './rope-scaling';
import type { PositionScheme } from '../types';

export const linear: PositionScheme = {
	id: 'linear',
	name: 'Position Interpolation (linear)',
	summary: 'Squeezes positions by the factor so a longer text stays inside the trained range of angles (through the model\'s own, possibly scaled, frequencies).',
	paper: { title: 'Extending Context Window of Large Language Models via Positional Interpolation', year: 2023, url: 'https://arxiv.org/abs/2306.15595' },
	params: { factor: { kind: 'number', label: 'Scale factor', min: 1, max: 128, step: 0.5, default: 2 } },
	refuse: (_p, config) => ropeOnly(config, 'Position Interpolation'),
	// Positions ÷ s is frequencies ÷ s, whatever the frequencies: it composes with a config's scaling.
	plan: (p, config, ctx) => ({ invFreq: ownPlan(config, ctx).invFreq?.map((theta) => theta / (p.factor as number)) })
};
