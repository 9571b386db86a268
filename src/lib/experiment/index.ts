/** The lab's experiments: schema, URL codec and hash over the app's catalog. */
import type { Catalog } from './catalog';
import { attentionPatterns, kvPolicies, positionSchemes, tokenPruners } from '../techniques/registry';
import { tasks } from '../tasks/registry';

export const catalog: Catalog = {
	task: tasks,
	attn: attentionPatterns,
	kv: kvPolicies,
	prune: tokenPruners,
	pos: positionSchemes
};

export * from './catalog';
export * from './codec';
export * from './hash';
export * from './schema';
export * from './views';
