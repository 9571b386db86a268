/**
 * Every technique the lab knows, by slot. The first entry of each list is the baseline and the
 * default. Patterns, policies, pruners and position schemes are added here as they land.
 */
import type { OptionMeta } from '../experiment/catalog';

export const attentionPatterns: readonly OptionMeta[] = [
	{
		id: 'full',
		name: 'Full causal',
		summary: 'Every query attends to every earlier token: the baseline all patterns are compared with.',
		params: {}
	}
];

export const kvPolicies: readonly OptionMeta[] = [
	{
		id: 'full',
		name: 'Full KV cache',
		summary: 'Every key and value stays resident and is read at every decoding step.',
		params: {}
	}
];

export const tokenPruners: readonly OptionMeta[] = [
	{
		id: 'none',
		name: 'No pruning',
		summary: 'Every prompt token continues through every layer.',
		params: {}
	}
];

export const positionSchemes: readonly OptionMeta[] = [
	{
		id: 'native',
		name: "Model's own",
		summary: 'Positions exactly as the model was trained (RoPE, ALiBi or none, from its config).',
		params: {}
	}
];
