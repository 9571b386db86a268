/**
 * LazyLLM: progressive pruning in prefill (after each stage layer, the last token's attention
 * keeps the top share of the survivors), and at every decode step the selection is made again,
 * so a token pruned earlier can come back: revived from its hidden state in the Aux Cache.
 */
import type { TokenPruner } from '../types';
import { PROTECT_PARAMS, layerRefusal, stagedHeldTokens } from './params';

export const lazyLlm: TokenPruner = {
	id: 'lazyllm',
	name: 'LazyLLM',
	summary: 'Prunes prompt tokens progressively by the last token’s attention, and revives them at decode steps when they matter again.',
	paper: { title: 'LazyLLM: Dynamic Token Pruning for Efficient Long Context LLM Inference', year: 2024, url: 'https://arxiv.org/abs/2407.14057' },
	params: {
		layers: { kind: 'int-list', label: 'Pruning layers', description: 'Layers after which a pruning stage runs (the paper prunes at a few depths, more at each).', min: 0, max: 511, maxItems: 16, default: [0, 1] },
		keep: { kind: 'number', label: 'Keep per stage', description: 'Share of the survivors each stage keeps (top percentile; stage s keeps keep^s of the prompt).', min: 0, max: 1, step: 0.05, default: 0.7 },
		revive: { kind: 'bool', label: 'Revive pruned tokens', description: 'Re-select at every decode step; tokens that rank high again return from the Aux Cache.', default: true },
		...PROTECT_PARAMS
	},
	ranking: 'attention',
	revives: (p) => p.revive === true,
	refuse: (p, config) => layerRefusal(p.layers as number[], config.layers),
	stages: (p) => [...new Set(p.layers as number[])].sort((a, b) => a - b).map((afterLayer, s) => ({ afterLayer, keepShare: (p.keep as number) ** (s + 1) })),
	heldTokens: (p, config, n) => stagedHeldTokens(lazyLlm.stages(p, config), p, config.layers, n)
};
