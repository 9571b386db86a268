/** The lab's panels. Which are shown travels in the URL but is not part of a run's identity. */
export const VIEWS = [
	{ id: 'heatmap', name: 'Attention heatmap' },
	{ id: 'heads', name: 'Head grid' },
	{ id: 'retrieval', name: 'Retrieval heads' },
	{ id: 'needle', name: 'Needle grid' },
	{ id: 'kv', name: 'KV memory' },
	{ id: 'latency', name: 'Latency' }
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export const VIEW_IDS: readonly ViewId[] = VIEWS.map((view) => view.id);

export function isViewId(id: string): id is ViewId {
	return (VIEW_IDS as readonly string[]).includes(id);
}
