/**
 * The app's catalog plus an option with a bool parameter (no technique has one yet), so the
 * codec is exercised on every parameter kind.
 */
import type { Catalog } from '$lib/experiment';
import { catalog } from '$lib/experiment';

export const testCatalog: Catalog = {
	...catalog,
	kv: [
		...catalog.kv,
		{
			id: 'test-bools',
			name: 'Test policy',
			summary: 'Exists only in tests.',
			params: { per_head: { kind: 'bool', label: 'Per-head budgets', default: false } }
		}
	]
};
