/**
 * DuoAttention's cache: retrieval KV heads keep everything; streaming KV heads keep only
 * `sink` first and `recent` last tokens (a ring). Head-wise, so memory per head differs.
 */
import { RETRIEVAL_HEADS_PARAM, parseHeadList } from '../patterns/per-head';
import type { KvPolicy } from '../types';
import { sinksThenRecent } from './select';
import { compressEvery } from './wrappers';

export const duoAttention: KvPolicy = compressEvery(
	1,
	{
		id: 'duo-attention',
		name: 'DuoAttention (head split)',
		summary: 'Retrieval heads keep the full cache; streaming heads keep only sinks and recent tokens.',
		paper: { title: 'DuoAttention: Efficient Long-Context LLM Inference with Retrieval and Streaming Heads', year: 2024, url: 'https://arxiv.org/abs/2410.10819' },
		needs: [],
		params: {
			retrieval_heads: RETRIEVAL_HEADS_PARAM,
			sink: { kind: 'int', label: 'Sink tokens', description: 'Deployed: 64 (training 128).', min: 0, max: 4096, default: 4 },
			recent: { kind: 'int', label: 'Recent tokens', description: 'Deployed: 256.', min: 1, max: 131072, default: 64 }
		},
		// Budgets come from the head split, not from a ratio.
		budget: (p, { n, layer, kvHead }) => {
			const retrieval = parseHeadList(p.retrieval_heads as string).some(([l, h]) => l === layer && h === kvHead);
			return retrieval ? n : (p.sink as number) + (p.recent as number);
		},
		score: (p, { n }) => sinksThenRecent(n, p.sink as number)
	},
	'The streaming ring drops a token every step.'
);
