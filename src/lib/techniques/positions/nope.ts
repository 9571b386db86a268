/**
 * NoPE: no position signal; the causal mask alone leaks order. On a NoPE model this is the
 * model's own setting; on a RoPE model it is an ablation (every rotation is the identity).
 */
import type { PositionScheme } from '../types';

export const nope: PositionScheme = {
	id: 'nope',
	name: 'No positions (NoPE)',
	summary: 'Removes the rotation: only causal masking tells tokens apart. An ablation on RoPE models.',
	paper: { title: 'The Impact of Positional Encoding on Length Generalization in Transformers', year: 2023, url: 'https://arxiv.org/abs/2305.19466' },
	params: {},
	refuse: (_p, config) =>
		config.positionEncoding === 'alibi'
			? 'This model was trained with ALiBi; its slopes cannot be removed here.'
			: config.positionEncoding === 'learned'
				? "This model's positions are learned embeddings added to its input; they cannot be removed here."
				: null,
	plan: (_p, config) => (config.positionEncoding === 'rope' ? { invFreq: new Float64Array(config.headDim / 2) } : undefined)
};
