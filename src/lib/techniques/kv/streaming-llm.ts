import { streamingLlm as paper } from '../papers';
import type { KvPolicy } from '../types';
import { budgetParams } from './select';
import { range } from '../ranking';

export const streamingLlm: KvPolicy = {
	id: 'streaming-llm',
	name: 'StreamingLLM',
	summary: 'Keeps the first few tokens (attention sinks) and the most recent ones; everything in between is evicted.',
	paper,
	observes: false,
	params: { ...budgetParams(1), sink: { kind: 'int', label: 'Sink tokens', description: 'The paper keeps 4.', min: 0, max: 1024, default: 4 } },
	keep: (p, { n, budget }) => {
		const sinks = Math.min(p.sink as number, budget, n);
		return [...range(0, sinks), ...range(Math.max(sinks, n - (budget - sinks)), n)];
	}
};
