/**
 * GemFilter: at filter layer r, score tokens by the last query's pre-softmax dot products summed
 * over heads, average-pool (kernel 5), keep the top k in their original order, then run the
 * whole model again on those tokens alone (fresh, contiguous positions).
 */
import type { TokenPruner } from '../types';
import { gemFilterSelect } from './gemfilter-select';

export const gemFilter: TokenPruner = {
	id: 'gemfilter',
	name: 'GemFilter',
	summary: 'An early layer picks the tokens that matter; the model then reads only those, from scratch.',
	paper: { title: 'Discovering the Gems in Early Layers: Accelerating Long-Context LLMs with 1000x Input Token Reduction', year: 2024, url: 'https://arxiv.org/abs/2409.17422' },
	params: {
		layer: { kind: 'int', label: 'Filter layer r', description: 'Paper: 13 of 32 for Llama-3.1-8B.', min: 0, max: 511, default: 1 },
		topk: { kind: 'int', label: 'Tokens kept k', description: 'Paper: 1024.', min: 1, max: 131072, default: 64 },
		kernel: { kind: 'int', label: 'Pooling kernel', min: 1, max: 63, default: 5 }
	},
	ranking: 'filter-and-rerun',
	refuse: (p, config) => ((p.layer as number) >= config.layers ? `The filter layer ${p.layer} does not exist: the model has layers 0–${config.layers - 1}.` : null),
	stages: (p) => [{ afterLayer: p.layer as number, keepShare: 0 }],
	// The run reads only the kept tokens, in every layer.
	heldTokens: (p, config, n) => Array(config.layers).fill(Math.min(n, p.topk as number)),
	firstPass: async (engine, ids, p, chunkSize) => ({ kept: await gemFilterSelect(engine, ids, p, chunkSize), layersRead: (p.layer as number) + 1 })
};
