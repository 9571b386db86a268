/**
 * The view state's link form: `view.layer=2&view.head=3&view.scale=linear&view.zoom=0-128,64-192
 * &view.metric=entropy`. Only values that differ from DEFAULT_VIEW_STATE are written, so a link
 * that never touched the views stays as short as before; reading checks every value and falls
 * back to the default with a message, like the rest of the link.
 */
import { DEFAULT_VIEW_STATE, HEAD_METRICS, HEATMAP_SCALES, type HeadMetric, type HeatmapScale, type ViewState, type Zoom } from './views';
import { quote } from '../quote';

export const VIEW_PREFIX = 'view.';
export const VIEW_KEYS = ['layer', 'head', 'scale', 'zoom', 'metric'] as const;

/** Larger than any model's layers or heads and any prompt's positions: beyond it a value is not one this lab wrote. */
const MAX_INDEX = 1 << 20;

type Report = (key: string, message: () => string) => void;

function readIndex(raw: unknown): number | null {
	const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : null;
	if (text === null || !/^\d{1,7}$/.test(text)) return null;
	const value = Number(text);
	return value <= MAX_INDEX ? value : null;
}

function readEnum<T extends string>(raw: unknown, options: readonly T[]): T | null {
	return typeof raw === 'string' && (options as readonly string[]).includes(raw) ? (raw as T) : null;
}

/** `q0-q1,k0-k1`, or an object { q0, q1, k0, k1 } (a JSON experiment): half-open and non-empty. */
function readZoom(raw: unknown): Zoom | null {
	let parts: unknown[];
	if (typeof raw === 'string') {
		const match = /^(\d+)-(\d+),(\d+)-(\d+)$/.exec(raw.replace(/\s/g, ''));
		if (!match) return null;
		parts = match.slice(1);
	} else if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
		const z = raw as Record<string, unknown>;
		parts = [z.q0, z.q1, z.k0, z.k1];
	} else {
		return null;
	}
	const [q0, q1, k0, k1] = parts.map(readIndex);
	if (q0 === null || q1 === null || k0 === null || k1 === null) return null;
	return q0 < q1 && k0 < k1 ? { q0, q1, k0, k1 } : null;
}

const EXPECTED: Record<(typeof VIEW_KEYS)[number], string> = {
	layer: 'a layer number (0, 1, …)',
	head: 'a head number (0, 1, …)',
	scale: HEATMAP_SCALES.join(' or '),
	zoom: 'a region "q0-q1,k0-k1" of token positions with q0 < q1 and k0 < k1',
	metric: HEAD_METRICS.join(', ')
};

/**
 * Reads the `view.*` entries (keys without the prefix); unknown settings are reported and ignored. Layer and head go together: one without
 * the other names no head, so both fall back to the page's choice.
 */
export function readViewState(entries: Map<string, unknown>, report: Report): ViewState {
	const view: ViewState = { ...DEFAULT_VIEW_STATE };
	for (const name of entries.keys()) {
		if (!(VIEW_KEYS as readonly string[]).includes(name)) {
			const known = VIEW_KEYS.map((k) => VIEW_PREFIX + k).join(', ');
			report(VIEW_PREFIX + name, () => `${quote(VIEW_PREFIX + name)} is not a view setting (${known}) and was ignored.`);
		}
	}
	const bad = (name: (typeof VIEW_KEYS)[number], raw: unknown, fallback: string) =>
		report(VIEW_PREFIX + name, () => `"${VIEW_PREFIX}${name}" is ${quote(raw)}, which is not ${EXPECTED[name]}; ${fallback}.`);

	const rawLayer = entries.get('layer');
	const rawHead = entries.get('head');
	const layer = rawLayer === undefined ? null : readIndex(rawLayer);
	const head = rawHead === undefined ? null : readIndex(rawHead);
	if (rawLayer !== undefined && layer === null) bad('layer', rawLayer, 'the page picks the head');
	if (rawHead !== undefined && head === null) bad('head', rawHead, 'the page picks the head');
	if (layer !== null && head !== null) {
		view.layer = layer;
		view.head = head;
	} else if ((layer === null) !== (head === null)) {
		const given = layer !== null ? 'layer' : 'head';
		const missing = layer !== null ? 'head' : 'layer';
		report(VIEW_PREFIX + given, () => `"${VIEW_PREFIX}${given}" was given without a valid "${VIEW_PREFIX}${missing}"; the page picks the head.`);
	}

	const scale = entries.get('scale');
	if (scale !== undefined) {
		const read = readEnum<HeatmapScale>(scale, HEATMAP_SCALES);
		if (read) view.scale = read;
		else bad('scale', scale, `using ${DEFAULT_VIEW_STATE.scale}`);
	}
	const zoom = entries.get('zoom');
	if (zoom !== undefined) {
		const read = readZoom(zoom);
		if (read) view.zoom = read;
		else bad('zoom', zoom, 'showing the whole map');
	}
	const metric = entries.get('metric');
	if (metric !== undefined) {
		const read = readEnum<HeadMetric>(metric, HEAD_METRICS);
		if (read) view.metric = read;
		else bad('metric', metric, `using ${DEFAULT_VIEW_STATE.metric}`);
	}
	return view;
}

/** The `view.*` entries of a view state, only those that differ from the default, in a fixed order. */
export function viewEntries(view: ViewState): [string, string][] {
	const entries: [string, string][] = [];
	if (view.layer !== null && view.head !== null) {
		entries.push([`${VIEW_PREFIX}layer`, String(view.layer)], [`${VIEW_PREFIX}head`, String(view.head)]);
	}
	if (view.scale !== DEFAULT_VIEW_STATE.scale) entries.push([`${VIEW_PREFIX}scale`, view.scale]);
	if (view.zoom) {
		const { q0, q1, k0, k1 } = view.zoom;
		entries.push([`${VIEW_PREFIX}zoom`, `${q0}-${q1},${k0}-${k1}`]);
	}
	if (view.metric !== DEFAULT_VIEW_STATE.metric) entries.push([`${VIEW_PREFIX}metric`, view.metric]);
	return entries;
}
