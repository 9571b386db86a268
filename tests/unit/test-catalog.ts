/**
 * The app's catalog plus a KV policy with enum and bool parameters, so the codec is exercised
 * on every parameter kind (until the real KV policies land).
 */
import type { Catalog } from '$lib/experiment';
import { catalog } from '$lib/experiment';

export const testCatalog: Catalog = {
	...catalog,
	kv: [
		...catalog.kv,
		{
			id: 'snapkv',
			name: 'SnapKV',
			summary: 'Observation window votes.',
			params: {
				budget: { kind: 'number', label: 'Budget', min: 0, max: 1, default: 0.25 },
				pooling: { kind: 'enum', label: 'Pooling', options: ['max', 'avg'], default: 'max' },
				per_head: { kind: 'bool', label: 'Per-head budgets', default: false }
			}
		}
	]
};
