import { alibiSlopes } from '../../engine/rope';
import { positionsOf } from './rope-scaling';
import type { PositionScheme } from '../types';

export const alibi: PositionScheme = {
	id: 'alibi',
	name: 'ALiBi',
	summary: 'No rotation: a per-head linear penalty on distance, with the paper\'s geometric slopes. Only for models trained with it.',
	paper: { title: 'Train Short, Test Long: Attention with Linear Biases Enables Input Length Extrapolation', year: 2021, url: 'https://arxiv.org/abs/2108.12409' },
	params: {},
	refuse: (_p, config) => (config.positionEncoding === 'alibi' ? null : `ALiBi only applies to models trained with it; this model was trained with ${positionsOf(config)}.`),
	plan: (_p, config) => ({ slopes: Float32Array.from(alibiSlopes(config.heads)) })
};
