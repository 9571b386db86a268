import { streamingLlm as paper } from '../papers';
import type { KvPolicy } from '../types';
import { BUDGET_PARAMS, sinksThenRecent } from './select';
import { compressEvery } from './wrappers';

export const streamingLlm: KvPolicy = compressEvery(1, {
	id: 'streaming-llm',
	name: 'StreamingLLM',
	summary: 'Keeps the first few tokens (attention sinks) and the most recent ones; everything in between is evicted.',
	paper,
	needs: [],
	params: { ...BUDGET_PARAMS, sink: { kind: 'int', label: 'Sink tokens', description: 'The paper keeps 4.', min: 0, max: 1024, default: 4 } },
	score: (p, { n }) => sinksThenRecent(n, p.sink as number)
});
