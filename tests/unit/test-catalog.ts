/**
 * A catalog with options of every parameter kind, so the codec is exercised beyond what the
 * app's registry holds today. The specs mirror the lab's planned techniques.
 */
import type { Catalog } from '$lib/experiment';
import { catalog } from '$lib/experiment';

export const testCatalog: Catalog = {
	task: catalog.task,
	attn: [
		...catalog.attn,
		{
			id: 'sink-window',
			name: 'Sinks + window',
			summary: 'StreamingLLM.',
			params: {
				sink: { kind: 'int', label: 'Sink tokens', min: 0, max: 64, default: 4 },
				window: { kind: 'int', label: 'Window', unit: 'tokens', min: 1, max: 131072, default: 128 }
			}
		},
		{
			id: 'per-layer',
			name: 'Per-layer mix',
			summary: 'Full attention in chosen layers.',
			params: {
				layers: { kind: 'int-list', label: 'Full layers', min: 0, max: 127, maxItems: 128, default: [0] }
			}
		}
	],
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
	],
	prune: catalog.prune,
	pos: [
		...catalog.pos,
		{
			id: 'yarn',
			name: 'YaRN',
			summary: 'NTK-by-parts plus temperature.',
			params: { factor: { kind: 'number', label: 'Scale factor', min: 1, max: 64, default: 4 } }
		}
	]
};
