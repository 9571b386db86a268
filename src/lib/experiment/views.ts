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

/** How the heatmap colours probabilities. */
export const HEATMAP_SCALES = ['log', 'linear'] as const;
export type HeatmapScale = (typeof HEATMAP_SCALES)[number];

/** What the head grid colours its cells by. */
export const HEAD_METRICS = ['sinkMass', 'entropy', 'distance', 'retrieval', 'pattern'] as const;
export type HeadMetric = (typeof HEAD_METRICS)[number];

/** A zoomed region of the heatmap, in token positions: queries [q0, q1), keys [k0, k1). */
export interface Zoom {
	q0: number;
	q1: number;
	k0: number;
	k1: number;
}

/**
 * How the views are looked at: travels in the link (so a link opens at L2H3, zoomed, coloured as
 * it was shared) but, like `views`, is not part of the run's identity.
 */
export interface ViewState {
	/** The heatmap's head; null lets the page choose the most telling one (the strongest retrieval head). */
	layer: number | null;
	head: number | null;
	scale: HeatmapScale;
	zoom: Zoom | null;
	metric: HeadMetric;
}

export const DEFAULT_VIEW_STATE: ViewState = { layer: null, head: null, scale: 'log', zoom: null, metric: 'sinkMass' };

/**
 * The head a heatmap shows when the link names none: the strongest retrieval head (the one that
 * copies the needle), ties to the lowest layer and head; L0H0 without retrieval scores.
 */
export function strongestRetrievalHead(retrieval: readonly (readonly number[])[] | null): [number, number] {
	let best: [number, number] = [0, 0];
	let score = -Infinity;
	retrieval?.forEach((heads, layer) =>
		heads.forEach((value, head) => {
			if (Number.isFinite(value) && value > score) {
				score = value;
				best = [layer, head];
			}
		})
	);
	return best;
}
