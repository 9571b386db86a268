/**
 * How each view named in a link is drawn. Ids, names and their order come from experiment/views.ts
 * (they are part of the link format); this adds the component and what it is drawn from, so the lab
 * and notebook cells render views the same way.
 */
import type { Component } from 'svelte';
import { VIEWS, type ViewId, type ViewState } from '$lib/experiment/views';
import type { Experiment } from '$lib/experiment';
import type { RunResult } from '$lib/experiment/run';
import type { ModelSummary } from '$lib/worker/protocol';
import type { RunController } from '$lib/worker/run-controller.svelte';
import { layerWindows } from '$lib/engine/block';
import HeadGrid from './HeadGrid.svelte';
import HeatmapView from './HeatmapView.svelte';
import KvMemoryChart from './KvMemoryChart.svelte';
import LatencyView from './LatencyView.svelte';
import NeedleGridView from './NeedleGridView.svelte';
import RetrievalPanel from './RetrievalPanel.svelte';

/** What a page has to show views from. */
export interface ViewContext {
	experiment: Experiment;
	/** B, in an A/B comparison. */
	experimentB: Experiment | null;
	model: ModelSummary | null;
	result: RunResult | null;
	resultB: RunResult | null;
	/** The head whose attention map a run captures. */
	selected: [number, number];
	/** Chooses the head to capture; absent where a page keeps it fixed. */
	onselect?: (layer: number, head: number) => void;
	/** How the views are looked at: colour scale, zoom, head-grid metric. */
	view: ViewState;
	/** Changes the view state where it lives (the lab's link); absent, each view keeps its own changes. */
	onview?: (patch: Partial<ViewState>) => void;
	/** The tallest the heatmap may be drawn (px), where a page lays views out in fixed panels. */
	mapHeight?: number;
	/** Runs the studies a view starts beside the main run (needle grid, head ablation); absent in notebook cells, whose kind says which study they run. */
	studies?: RunController;
}

export interface ResultView {
	id: ViewId;
	name: string;
	/** Each component has its own props; `drawn` checks them against `props` where the entry is made. */
	component: Component<any>;
	/** The component's props, or null where the view has nothing to show. */
	props: (context: ViewContext) => Record<string, unknown> | null;
}

const drawn = <P extends Record<string, unknown>>(component: Component<P>, props: (context: ViewContext) => P | null) => ({ component, props });

const DRAWN: Record<ViewId, Pick<ResultView, 'component' | 'props'>> = {
	heatmap: drawn(HeatmapView, ({ result, resultB, model, view, onview, mapHeight }) =>
		// A map cached before maps were pooled (no overview) is not drawn: the run's other views still are.
		result?.map?.overview ? { results: resultB?.map?.overview ? [result, resultB] : [result], config: model?.config ?? null, view, onview, maxHeight: mapHeight } : null
	),
	heads: drawn(HeadGrid, ({ result, resultB, selected, onselect, model, view, onview }) =>
		result?.heads ? { heads: result.heads, headsB: resultB?.heads ?? null, selected, onselect, windows: model ? layerWindows(model.config) : [], view, onview } : null
	),
	retrieval: drawn(RetrievalPanel, ({ experiment, result, resultB, model, studies }) =>
		result && model && studies ? { experiment, result, resultB, layers: model.config.layers, heads: model.config.heads, studies } : null
	),
	needle: drawn(NeedleGridView, ({ experiment, experimentB, model, studies }) => (model && studies ? { experiment, experimentB, studies } : null)),
	kv: drawn(KvMemoryChart, ({ experiment, experimentB, model, result, resultB }) => (model ? { experiment, experimentB, config: model.config, result, resultB } : null)),
	latency: drawn(LatencyView, ({ experiment, experimentB, model, result, resultB, studies }) => (model ? { experiment, experimentB, config: model.config, result, resultB, studies } : null))
};

export const RESULT_VIEWS: readonly ResultView[] = VIEWS.map((view) => ({ ...view, ...DRAWN[view.id] }));
