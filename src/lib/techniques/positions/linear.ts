import { linearInvFreq, ropeOnly } from './rope-scaling';
import type { PositionScheme } from '../types';

export const linear: PositionScheme = {
	id: 'linear',
	name: 'Position Interpolation (linear)',
	summary: 'Squeezes positions by the factor so a longer text stays inside the trained range of angles.',
	paper: { title: 'Extending Context Window of Large Language Models via Positional Interpolation', year: 2023, url: 'https://arxiv.org/abs/2306.15595' },
	params: { factor: { kind: 'number', label: 'Scale factor', min: 1, max: 128, step: 0.5, default: 2 } },
	refuse: (_p, config) => ropeOnly(config, 'Position Interpolation'),
	plan: (p, config) => ({ invFreq: linearInvFreq(config.headDim, config.ropeTheta, p.factor as number) })
};
