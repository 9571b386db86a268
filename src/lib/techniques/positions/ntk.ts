import { ropeInvFreq } from '../../engine/rope';
import { ntkBase } from '../../engine/rope-scaling';
import { layerBase, plainRopeOnly } from './rope-scaling';
import type { PositionScheme } from '../types';

export const ntk: PositionScheme = {
	id: 'ntk',
	name: 'NTK-aware scaling',
	summary: 'Raises the RoPE base so low frequencies stretch while high (local) ones barely change.',
	paper: { title: 'NTK-Aware Scaled RoPE (bloc97, r/LocalLLaMA); described in YaRN', year: 2023, url: 'https://arxiv.org/abs/2309.00071' },
	params: { factor: { kind: 'number', label: 'Scale factor α', min: 1, max: 128, step: 0.5, default: 2 } },
	// Static NTK is no transformers rope type: no config scaling is of its kind.
	refuse: (_p, config) => plainRopeOnly(config, 'NTK scaling', null),
	plan: (p, config, ctx) => ({ invFreq: ropeInvFreq(config.headDim, ntkBase(config.headDim, layerBase(config, ctx.layer), p.factor as number)) })
};
