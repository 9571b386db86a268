import { ropeInvFreq } from '../../engine/rope';
import { ropeOnly } from './rope-scaling';
import type { PositionScheme } from '../types';

export const ropeBase: PositionScheme = {
	id: 'rope-base',
	name: 'RoPE with another base',
	summary: 'Rotary positions with a different base θ: larger bases rotate more slowly and reach further.',
	paper: { title: 'RoFormer: Enhanced Transformer with Rotary Position Embedding', year: 2021, url: 'https://arxiv.org/abs/2104.09864' },
	params: { base: { kind: 'number', label: 'Base θ', min: 1, max: 1e9, default: 10000 } },
	refuse: (_p, config) => ropeOnly(config, 'A RoPE base'),
	plan: (p, config) => ({ invFreq: ropeInvFreq(config.headDim, p.base as number) })
};
