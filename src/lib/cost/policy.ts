/**
 * Tokens an experiment keeps resident and reads per decode step at context n, per layer and KV
 * head on average: the analytic side of the KV memory chart. The KV policy says what stays and
 * what it reads; the attention pattern reads at most its own share of that.
 */
import type { ModelConfig } from '../engine/config';
import type { Experiment } from '../experiment/schema';
import { kvFootprint } from '../techniques/kv-runtime';
import { attentionPatterns, kvPolicies } from '../techniques/registry';

export function policyTokens(experiment: Experiment, config: ModelConfig, n: number): { resident: number; read: number } {
	const policy = kvPolicies.find((p) => p.id === experiment.kv.id);
	const pattern = attentionPatterns.find((p) => p.id === experiment.attn.id);
	if (!policy || !pattern) throw new Error('The experiment names a technique this lab does not have');
	const { resident, read } = kvFootprint(policy, experiment.kv.params, config, n);
	return { resident, read: Math.min(read, pattern.decodeReads(experiment.attn.params, n, config)) };
}
