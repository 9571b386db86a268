/**
 * Tokens a technique keeps resident and reads per decode step at context n, per layer and KV
 * head on average: the analytic side of the KV memory chart, matching what the engine measures
 * for the common cases (full, window patterns, ratio/token eviction, Quest, DuoAttention).
 */
import type { ModelConfig } from '../engine/config';
import type { Experiment } from '../experiment/schema';
import { budgetFor } from '../techniques/kv/select';
import { parseHeadList } from '../techniques/patterns/per-head';

export function policyTokens(experiment: Experiment, config: ModelConfig, n: number): { resident: number; read: number } {
	const kv = experiment.kv.params;
	let resident = n;
	let read = n;
	switch (experiment.kv.id) {
		case 'full':
			break;
		case 'quest':
			read = Math.min(n, Math.max(3 * (kv.page as number), kv.budget as number));
			break;
		case 'duo-attention': {
			const share = parseHeadList(kv.retrieval_heads as string).length / (config.layers * config.kvHeads);
			resident = read = share * n + (1 - share) * Math.min(n, (kv.sink as number) + (kv.recent as number));
			break;
		}
		default:
			resident = read = Math.min(n, budgetFor(kv as { ratio: unknown; tokens: unknown }, n));
	}
	const attn = experiment.attn.params;
	const window = (sink: unknown, recent: unknown) => Math.min(read, (sink as number) + (recent as number));
	if (experiment.attn.id === 'window') read = window(0, attn.window);
	if (experiment.attn.id === 'sink-window') read = window(attn.sink, attn.window);
	if (experiment.attn.id === 'lambda') read = window(attn.global, attn.local);
	return { resident, read };
}
