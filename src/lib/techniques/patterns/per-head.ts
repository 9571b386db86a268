/**
 * DuoAttention's deployed pattern: retrieval heads keep full attention, streaming heads see
 * only sinks + recent tokens. DuoAttention gates KV heads, so heads are named as
 * `layer.kvHead`; each KV head's group of query heads follows it.
 */
import { sinkAndWindowReads, sinkAndWindowMask, allKept } from './shapes';
import type { ModelConfig } from '../../engine/config';
import type { AttentionPattern, PatternGrid } from '../types';
import type { ParamValues } from '../../params/param-spec';
import type { TextSpec } from '../../params/param-spec';

export function parseHeadList(text: string): [number, number][] {
	if (text.trim() === '') return [];
	return text.split(',').map((item) => {
		const [layer, head] = item.trim().split('.').map(Number);
		return [layer, head];
	});
}

function badHeads(text: string, config: ModelConfig): string[] {
	return parseHeadList(text)
		.filter(([layer, head]) => layer >= config.layers || head >= config.kvHeads)
		.map(([layer, head]) => `${layer}.${head}`);
}

/** DuoAttention's split, shared by its attention pattern and its KV policy. */
export const RETRIEVAL_HEADS_PARAM = {
	kind: 'text',
	label: 'Retrieval heads',
	description: 'KV heads as layer.head, comma-separated (e.g. 1.0,3.1); all others stream.',
	maxLength: 4000,
	pattern: { regex: /^(\d{1,3}\.\d{1,3}(,\d{1,3}\.\d{1,3})*)?$/, hint: 'must list heads as layer.head, comma-separated (e.g. 1.0,3.1)' },
	default: ''
} as const satisfies TextSpec;

export const perHead: AttentionPattern = {
	id: 'per-head',
	name: 'Retrieval + streaming heads (DuoAttention)',
	summary: 'Listed heads keep full attention (retrieval heads); all others see sinks + recent tokens (streaming heads).',
	paper: { title: 'DuoAttention: Efficient Long-Context LLM Inference with Retrieval and Streaming Heads', year: 2024, url: 'https://arxiv.org/abs/2410.10819' },
	params: {
		retrieval_heads: RETRIEVAL_HEADS_PARAM,
		sink: { kind: 'int', label: 'Sink tokens', description: 'DuoAttention deploys 64.', min: 0, max: 1024, default: 4 },
		recent: { kind: 'int', label: 'Recent tokens', description: 'DuoAttention deploys 256.', min: 1, max: 131072, default: 64 }
	},
	perHead: true,
	decodeReads: (p, n, config, layer) => {
		const heads = parseHeadList(p.retrieval_heads as string).filter(([l]) => layer === undefined || l === layer);
		const retrieval = new Set(heads.map(([l, h]) => `${l}.${h}`)).size;
		const total = (layer === undefined ? config.layers : 1) * config.kvHeads;
		return (retrieval * n + (total - retrieval) * sinkAndWindowReads(p.sink as number, p.recent as number, n)) / total;
	},
	refuse: (p, config) => {
		const bad = badHeads(p.retrieval_heads as string, config);
		return bad.length ? `Head ${bad.join(', ')} does not exist: the model has layers 0–${config.layers - 1} with KV heads 0–${config.kvHeads - 1}.` : null;
	},
	rule: (p, grid) => (isRetrievalHead(p, grid) ? { window: Infinity } : { sinks: p.sink as number, window: p.recent as number }),
	mask: (p, grid) => (isRetrievalHead(p, grid) ? allKept(grid) : sinkAndWindowMask(grid, p.sink as number, p.recent as number))
};

function isRetrievalHead(p: ParamValues, grid: PatternGrid): boolean {
	const kvHead = Math.floor(grid.head / (grid.config.heads / grid.config.kvHeads));
	return parseHeadList(p.retrieval_heads as string).some(([l, h]) => l === grid.layer && h === kvHead);
}
