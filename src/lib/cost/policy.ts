/**
 * Tokens an experiment keeps resident and reads per decode step at context n, per layer and KV
 * head on average: the analytic side of the KV memory chart. The pruner says what reaches each
 * layer's cache, the KV policy what stays there and what it reads, and the attention pattern
 * reads at most its own share of that; sliding layers hold and read only their window.
 */
import { blockSpec } from '../engine/block';
import type { ModelConfig } from '../engine/config';
import type { Experiment } from '../experiment/schema';
import { kvFootprint } from '../techniques/kv-runtime';
import { attentionPatterns, kvPolicies, tokenPruners } from '../techniques/registry';

export function policyTokens(experiment: Experiment, config: ModelConfig, n: number): { resident: number; read: number } {
	const policy = kvPolicies.find((p) => p.id === experiment.kv.id);
	const pattern = attentionPatterns.find((p) => p.id === experiment.attn.id);
	const pruner = tokenPruners.find((p) => p.id === experiment.prune.id);
	if (!policy || !pattern || !pruner) throw new Error('The experiment names a technique this lab does not have');
	const held = pruner.heldTokens(experiment.prune.params, config, n);
	const { resident, read } = kvFootprint(policy, experiment.kv.params, config, n, held);
	// On a sliding layer the pattern reads within the window too (at most the smaller of the two).
	const windows = blockSpec(config).layers.map((layer) => layer.window);
	const patternRead = windows.reduce<number>((sum, window, layer) => sum + Math.min(pattern.decodeReads(experiment.attn.params, n, config, layer), window ?? Infinity), 0) / windows.length;
	return { resident, read: Math.min(read, patternRead) };
}
