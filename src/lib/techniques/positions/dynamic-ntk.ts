/**
 * Dynamic NTK (Hugging Face `dynamic`): the base grows with the running length m once it passes
 * the trained length. Here every key is re-rotated with the current base at each step; Hugging
 * Face's cache instead keeps each key rotated as it was written (transformers #25104), as the
 * engine does for a config whose rope_scaling is dynamic (whose factor this one then replaces).
 */
import { ropeInvFreq } from '../../engine/rope';
import { dynamicNtkBase } from '../../engine/rope-scaling';
import { layerBase, originalLength, plainRopeOnly } from './rope-scaling';
import type { PositionScheme } from '../types';

export const dynamicNtk: PositionScheme = {
	id: 'dynamic-ntk',
	name: 'Dynamic NTK',
	summary: 'NTK scaling whose strength follows the current length: nothing changes inside the trained length.',
	paper: { title: 'Dynamically Scaled RoPE further increases performance of long context LLaMA (emozilla); described in YaRN', year: 2023, url: 'https://arxiv.org/abs/2309.00071' },
	params: {
		factor: { kind: 'number', label: 'Scale factor', min: 1, max: 128, step: 0.5, default: 2 },
		original: { kind: 'int', label: 'Original length', unit: 'tokens', description: '0 = the model\'s trained context.', min: 0, max: 1048576, default: 0 }
	},
	refuse: (_p, config) => plainRopeOnly(config, 'Dynamic NTK', 'dynamic'),
	plan: (p, config, ctx) => {
		// The call's length, as one forward pass sees it, however its prefill was chunked.
		const seqLen = ctx.callPositions[ctx.callPositions.length - 1] + 1;
		const base = dynamicNtkBase(config.headDim, layerBase(config, ctx.layer), p.factor as number, seqLen, originalLength(p.original as number, config));
		return { invFreq: ropeInvFreq(config.headDim, base) };
	}
};
