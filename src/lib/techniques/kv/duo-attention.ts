/**
 * DuoAttention's cache: retrieval KV heads keep everything; streaming KV heads keep only
 * `sink` first and `recent` last tokens (a ring). Head-wise, so memory per head differs.
 */
import { RETRIEVAL_HEADS_PARAM, parseHeadList } from '../patterns/per-head';
import type { KvPolicy } from '../types';
import { range } from '../ranking';

export const duoAttention: KvPolicy = {
	id: 'duo-attention',
	name: 'DuoAttention (head split)',
	summary: 'Retrieval heads keep the full cache; streaming heads keep only sinks and recent tokens.',
	paper: { title: 'DuoAttention: Efficient Long-Context LLM Inference with Retrieval and Streaming Heads', year: 2024, url: 'https://arxiv.org/abs/2410.10819' },
	observes: false,
	params: {
		retrieval_heads: RETRIEVAL_HEADS_PARAM,
		sink: { kind: 'int', label: 'Sink tokens', description: 'Deployed: 64 (training 128).', min: 0, max: 4096, default: 4 },
		recent: { kind: 'int', label: 'Recent tokens', description: 'Deployed: 256.', min: 1, max: 131072, default: 64 },
		every: { kind: 'int', label: 'Compress every', unit: 'steps', description: 'The streaming ring drops a token every step.', min: 0, max: 65536, default: 1 }
	},
	// Budgets come from the head split, not from a ratio.
	budget: (_p, n) => n,
	keep: (p, { n, layer, kvHead }) => {
		const retrieval = parseHeadList(p.retrieval_heads as string).some(([l, h]) => l === layer && h === kvHead);
		if (retrieval) return range(0, n);
		const sinks = Math.min(p.sink as number, n);
		return [...range(0, sinks), ...range(Math.max(sinks, n - (p.recent as number)), n)];
	}
};
