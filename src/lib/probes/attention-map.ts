/**
 * One head's attention map for the heatmap, in a memory that does not grow with the square of the
 * context: while the prefill streams through, the whole causal map is max-pooled into at most
 * `cells` × `cells` cells, and a full-resolution tile keeps the rows a reader zooms into (the
 * whole map when it is small, else the prompt's last rows and every decode step over all keys).
 * No T × T array is ever allocated, and only one head of one layer is read.
 */
import type { Hooks, LayerContext, PositionTile } from '../engine/hooks';
import { ascending } from '../engine/kv-cache';

/** A cell no query–key entry of the run fell in: above the diagonal, or tokens a pruner skipped. */
export const NOT_COMPUTED = -1;

/** A grid of cells over token positions; each cell is the max over `block` queries × `block` keys. */
export interface MapTile extends PositionTile {
	/** Row-major [rows, cols]; NOT_COMPUTED where no entry fell, 0 where every entry was masked. */
	probs: Float32Array;
}

export interface AttentionMap {
	layer: number;
	head: number;
	/** Queries and keys run over positions 0 … positions − 1: the prompt read, then the tokens fed back. */
	positions: number;
	/** The first decode step's position: rows from here on are where the model looks while it answers. */
	decodeFrom: number;
	/** How many of the rows (the last ones) come from decode steps. */
	decodeRows: number;
	/** The whole map, max-pooled. */
	overview: MapTile;
	/** Full resolution (block 1) over the rows it covers. */
	detail: MapTile;
	/** Full resolution over the region the capture asked for (a zoom), where it fits the budget. */
	region?: MapTile;
	/** Positions this head's KV head still holds at the end of the run (the rest were evicted). */
	residentKeys?: number[];
}

export interface MapBudget {
	/** Most cells a side of the pooled overview. */
	cells: number;
	/** Most floats of the full-resolution tile (beyond the decode rows, which are always kept). */
	detailFloats: number;
}

export const MAP_BUDGET: MapBudget = { cells: 256, detailFloats: 1024 * 1024 };

export function emptyTile(q0: number, q1: number, k0: number, k1: number, block: number): MapTile {
	const rows = Math.max(0, Math.ceil((q1 - q0) / block));
	const cols = Math.max(0, Math.ceil((k1 - k0) / block));
	return { q0, q1, k0, k1, block, rows, cols, probs: new Float32Array(rows * cols).fill(NOT_COMPUTED) };
}

/**
 * Which cell column each key slot falls in for `tile` (−1 outside it), worked out once per call
 * since every row of the call shares the keys.
 */
function columnsOf(tile: MapTile, keys: Int32Array): Int32Array {
	return Int32Array.from(keys, (k) => (k < tile.k0 || k >= tile.k1 ? -1 : Math.floor((k - tile.k0) / tile.block)));
}

/**
 * Folds one query row's probabilities (`keys[s]` → `probs[from + s]`) into the tile; only causal
 * keys count, and with keys in ascending order (no eviction reordered them) the row stops at the query.
 */
function addRow(tile: MapTile, columns: Int32Array, query: number, keys: Int32Array, ascending: boolean, probs: Float32Array, from: number) {
	if (query < tile.q0 || query >= tile.q1) return;
	const row = Math.floor((query - tile.q0) / tile.block) * tile.cols;
	for (let s = 0; s < keys.length; s++) {
		if (keys[s] > query) {
			if (ascending) return;
			continue;
		}
		if (columns[s] < 0) continue;
		const at = row + columns[s];
		const p = probs[from + s];
		if (p > tile.probs[at]) tile.probs[at] = p;
	}
}

/** The tile cut to positions below `end` (a run that stopped early leaves its last rows empty). */
export function cutTile(tile: MapTile, end: number): MapTile {
	const cut = emptyTile(tile.q0, Math.min(tile.q1, end), tile.k0, Math.min(tile.k1, end), tile.block);
	for (let r = 0; r < cut.rows; r++) cut.probs.set(tile.probs.subarray(r * tile.cols, r * tile.cols + cut.cols), r * cut.cols);
	return cut;
}

/** Queries [q0, q1) × keys [k0, k1), in token positions (the shape of a heatmap's zoom). */
export interface PositionRegion {
	q0: number;
	q1: number;
	k0: number;
	k1: number;
}

/** What to capture: one query head, and optionally a region (a zoom) to keep at full resolution too. */
export interface MapCapture {
	layer: number;
	head: number;
	region?: PositionRegion | null;
}

/** The region's full-resolution tile, cut to the map, or null where it is empty or over the budget. */
function regionTile(region: PositionRegion | null | undefined, positions: number, budget: MapBudget): MapTile | null {
	if (!region) return null;
	const clip = (p: number) => Math.min(positions, Math.max(0, Math.round(p)));
	const [q0, q1, k0, k1] = [clip(region.q0), clip(region.q1), clip(region.k0), clip(region.k1)];
	if (q1 <= q0 || k1 <= k0 || (q1 - q0) * (k1 - k0) > budget.detailFloats) return null;
	return emptyTile(q0, q1, k0, k1, 1);
}

/**
 * Collects the map of `capture` for a run over at most `positions` positions whose decode steps
 * start at `decodeFrom`; `result()` assembles it, or undefined before anything ran.
 */
export function attentionMapCollector(capture: MapCapture, group: number, span: { positions: number; decodeFrom: number }, budget: MapBudget = MAP_BUDGET) {
	const { positions, decodeFrom } = span;
	// Full resolution for as many of the last rows as the budget holds, and never fewer than the
	// decode rows and the prompt's last row (the query that predicts the answer's first token).
	const detailRows = Math.min(positions, Math.max(positions - decodeFrom + 1, Math.floor(budget.detailFloats / Math.max(1, positions))));
	const fresh = () => ({
		overview: emptyTile(0, positions, 0, positions, Math.max(1, Math.ceil(positions / budget.cells))),
		detail: emptyTile(positions - detailRows, positions, 0, positions, 1),
		region: regionTile(capture.region, positions, budget)
	});
	let tiles: ReturnType<typeof fresh> | null = null;
	let decodeRows = 0;
	let end = 0;
	const shown = () => tiles && [tiles.overview, tiles.detail, ...(tiles.region ? [tiles.region] : [])];
	/** The tiles a call folds into, fresh at a prefill's first chunk; null before any prefill. */
	const begin = (ctx: LayerContext) => {
		if (ctx.phase === 'prefill' && ctx.rowOffset === 0) {
			tiles = fresh();
			decodeRows = 0;
			end = 0;
		}
		return shown();
	};
	// A decode call's earlier rows are revived tokens (LazyLLM): only its last row is the new token's.
	const firstRow = (ctx: LayerContext) => (ctx.phase === 'decode' ? ctx.queryPositions.length - 1 : 0);
	const finish = (ctx: LayerContext) => {
		for (let t = firstRow(ctx); t < ctx.queryPositions.length; t++) end = Math.max(end, ctx.queryPositions[t] + 1);
		if (ctx.phase === 'decode') decodeRows++;
	};
	const hooks: Hooks = {
		watchedHead: (ctx) => (ctx.layer === capture.layer ? capture.head : null),
		observeHead: (ctx, probs) => {
			const folded = begin(ctx);
			if (!folded) return;
			const keys = ctx.keyPositions[Math.floor(capture.head / group)];
			const inOrder = ascending(keys);
			const columns = folded.map((tile) => columnsOf(tile, keys));
			for (let t = firstRow(ctx); t < ctx.queryPositions.length; t++) {
				folded.forEach((tile, n) => addRow(tile, columns[n], ctx.queryPositions[t], keys, inOrder, probs, t * ctx.slots));
			}
			finish(ctx);
		},
		// The GPU kernels pool the same cells where the probabilities are (kernels/statistics.ts).
		watchedTiles: (ctx) => {
			const folded = ctx.layer === capture.layer ? begin(ctx) : null;
			return folded && { rowFrom: firstRow(ctx), tiles: folded };
		},
		observeTiles: (ctx, cells) => {
			shown()?.forEach((tile, n) => cells[n].forEach((value, at) => value > tile.probs[at] && (tile.probs[at] = value)));
			finish(ctx);
		}
	};
	function result(): AttentionMap | undefined {
		if (!tiles || end === 0) return undefined;
		const region = tiles.region && tiles.region.q0 < end && tiles.region.k0 < end ? { region: cutTile(tiles.region, end) } : {};
		return { layer: capture.layer, head: capture.head, positions: end, decodeFrom, decodeRows, overview: cutTile(tiles.overview, end), detail: cutTile(tiles.detail, end), ...region };
	}
	return { hooks, result };
}
