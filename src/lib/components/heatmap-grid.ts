/**
 * What the heatmap draws of a captured map: which tile a region is read from, how far it is pooled
 * to fit the canvas, and where position ticks go. Pure, so the numbers can be checked by hand.
 */
import { NOT_COMPUTED, emptyTile, type AttentionMap, type MapTile } from '$lib/probes/attention-map';
import type { Zoom } from '$lib/experiment/views';

/** The region a zoom asks for, cut to the map; null (the whole map) where nothing of it is left. */
export function clipZoom(zoom: Zoom | null, positions: number): Zoom | null {
	if (!zoom) return null;
	const clip = (p: number) => Math.min(positions, Math.max(0, Math.round(p)));
	const [q0, q1, k0, k1] = [clip(zoom.q0), clip(zoom.q1), clip(zoom.k0), clip(zoom.k1)];
	return q1 - q0 >= 1 && k1 - k0 >= 1 ? { q0, q1, k0, k1 } : null;
}

/** The finest tile holding all of `region`: full resolution where the capture kept it, else the pooled overview. */
export function tileFor(map: Pick<AttentionMap, 'overview' | 'detail' | 'region'>, region: Zoom): MapTile {
	const covers = (tile: MapTile) => tile.rows > 0 && tile.cols > 0 && region.q0 >= tile.q0 && region.q1 <= tile.q1 && region.k0 >= tile.k0 && region.k1 <= tile.k1;
	return [map.detail, map.region].find((tile) => tile && covers(tile)) ?? map.overview;
}

/**
 * The tile's cells over `region`, max-pooled by the smallest whole factor that brings both sides
 * to at most `size` cells. Cells stay square in positions (so the drawing's aspect is the
 * region's), and the grid is snapped outward to whole pooled cells counted from the tile's origin,
 * so dragging across a map keeps the same cells.
 */
export function pooledRegion(tile: MapTile, region: Zoom, size: number): MapTile {
	const cell = (p: number, origin: number) => Math.floor((p - origin) / tile.block);
	const r1 = Math.min(tile.rows, Math.ceil((region.q1 - tile.q0) / tile.block));
	const c1 = Math.min(tile.cols, Math.ceil((region.k1 - tile.k0) / tile.block));
	let r0 = Math.max(0, cell(region.q0, tile.q0));
	let c0 = Math.max(0, cell(region.k0, tile.k0));
	const factor = Math.max(1, Math.ceil(Math.max(r1 - r0, c1 - c0) / size));
	r0 -= r0 % factor;
	c0 -= c0 % factor;
	const block = tile.block * factor;
	const q0 = tile.q0 + r0 * tile.block;
	const k0 = tile.k0 + c0 * tile.block;
	const out = emptyTile(q0, Math.min(tile.q1, tile.q0 + r1 * tile.block), k0, Math.min(tile.k1, tile.k0 + c1 * tile.block), block);
	for (let r = r0; r < r1; r++) {
		const row = Math.floor((r - r0) / factor) * out.cols;
		for (let c = c0; c < c1; c++) {
			const p = tile.probs[r * tile.cols + c];
			const at = row + Math.floor((c - c0) / factor);
			if (p > out.probs[at]) out.probs[at] = p;
		}
	}
	return out;
}

/** Whether a drawn cell holds any causal entry (its first key at or before its last query): else it is the future. */
export const causalCell = (grid: MapTile, r: number, c: number) => grid.k0 + c * grid.block <= Math.min(grid.q1, grid.q0 + (r + 1) * grid.block) - 1;

export { NOT_COMPUTED };

/** Round steps for position ticks: 1, 2, 5 × 10ⁿ. */
function niceStep(raw: number): number {
	const power = 10 ** Math.floor(Math.log10(raw));
	return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw)!;
}

/** Positions to tick on an axis `pixels` long over positions [from, to]: round numbers at least `gap` pixels apart. */
export function positionTicks(from: number, to: number, pixels: number, gap = 48): number[] {
	const span = to - from;
	const most = Math.floor(pixels / gap);
	if (span <= 0 || most < 1) return [];
	const step = Math.max(1, niceStep(span / most));
	const ticks: number[] = [];
	for (let p = Math.ceil(from / step) * step; p <= to; p += step) ticks.push(p);
	return ticks;
}

/** Words for what one drawn cell is. */
export function cellWords(block: number): string {
	return block === 1 ? 'each cell: one query × one key (full resolution)' : `each cell: max over ${block} queries × ${block} keys`;
}

/** The drawn size (CSS pixels) of a grid of `cols` × `rows` square cells fitted in `width` × `height`. */
export function fitAspect(cols: number, rows: number, width: number, height: number): { width: number; height: number } {
	if (cols <= 0 || rows <= 0 || width <= 0 || height <= 0) return { width: 0, height: 0 };
	const scale = Math.min(width / cols, height / rows);
	return { width: cols * scale, height: rows * scale };
}
