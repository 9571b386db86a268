import { yarn as yarnScaling } from '../../engine/rope-scaling';
import { layerBase, originalLength, plainRopeOnly } from './rope-scaling';
import type { PositionScheme } from '../types';

export const yarn: PositionScheme = {
	id: 'yarn',
	name: 'YaRN',
	summary: 'Interpolates only the slow rotary frequencies (NTK-by-parts) and sharpens attention by a temperature.',
	paper: { title: 'YaRN: Efficient Context Window Extension of Large Language Models', year: 2023, url: 'https://arxiv.org/abs/2309.00071' },
	params: {
		factor: { kind: 'number', label: 'Scale factor s', min: 1, max: 128, step: 0.5, default: 4 },
		original: {
			kind: 'int',
			label: 'Original length',
			unit: 'tokens',
			description: '0 = the model\'s trained context (on a YaRN model, its config\'s original length).',
			min: 0,
			max: 1048576,
			default: 0
		},
		beta_fast: { kind: 'number', label: 'β fast', description: 'Rotations below which dimensions extrapolate (paper: 32).', min: 0.01, max: 1024, default: 32 },
		beta_slow: { kind: 'number', label: 'β slow', description: 'Rotations above which dimensions interpolate (paper: 1).', min: 0.001, max: 1024, default: 1 },
		attention_factor: {
			kind: 'number',
			label: 'Attention factor',
			description: 'Scales q and k (logits by its square); 0 = the paper\'s 0.1·ln(s) + 1.',
			min: 0,
			max: 10,
			default: 0
		}
	},
	// On a YaRN model the paper's way further is YaRN again from the original length (its s = 32 model continued the s = 16 one).
	refuse: (p, config) => plainRopeOnly(config, 'YaRN', 'yarn') ?? ((p.beta_slow as number) >= (p.beta_fast as number) ? 'YaRN needs β slow below β fast.' : null),
	plan: (p, config, ctx) => {
		const factor = p.attention_factor as number;
		const { invFreq, attentionFactor } = yarnScaling(
			config.headDim,
			layerBase(config, ctx.layer),
			p.factor as number,
			originalLength(p.original as number, config),
			p.beta_fast as number,
			p.beta_slow as number,
			factor > 0 ? factor : undefined,
			config.ropeScaling?.type === 'yarn' ? config.ropeScaling.truncate : true
		);
		return { invFreq, logitScale: attentionFactor ** 2 };
	}
};
