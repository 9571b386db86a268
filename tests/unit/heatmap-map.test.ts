import { describe, expect, it } from 'vitest';
import { Engine } from '$lib/engine/engine';
import type { LayerContext } from '$lib/engine/hooks';
import { catalog, defaultExperiment } from '$lib/experiment';
import { runExperiment } from '$lib/experiment/run';
import { NOT_COMPUTED, attentionMapCollector, emptyTile, type MapTile } from '$lib/probes/attention-map';
import { causalCell, cellWords, clipZoom, fitAspect, pooledRegion, positionTicks, tileFor } from '$lib/components/heatmap-grid';
import { intensity, scaleTicks, viridis } from '$lib/components/heatmap-scale';
import { fixtureModel } from '../fixtures/fixture-model';

const N = NOT_COMPUTED;
const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
const ctx = (phase: 'prefill' | 'decode', queries: Int32Array, keys: Int32Array, layer = 1) =>
	({ layer, phase, queryPositions: queries, keyPositions: [keys, keys], slots: keys.length, callPositions: queries, rowOffset: 0, window: null }) as unknown as LayerContext;

describe('capturing one head’s map', () => {
	it('keeps causal entries by position and one row per decode step (not the revived rows before it)', () => {
		const collector = attentionMapCollector({ layer: 1, head: 1 }, 2, { positions: 3, decodeFrom: 2 });
		// Head 1's probabilities [T, S]: row t, key s → 1 + 10 t + 100 s (distinct, so misplacement shows).
		const probs = (T: number, S: number) => Float32Array.from({ length: T * S }, (_, i) => 1 + 10 * Math.floor(i / S) + 100 * (i % S));
		expect(collector.hooks.watchedHead!(ctx('prefill', range(2), range(2), 0))).toBeNull();
		expect(collector.hooks.watchedHead!(ctx('prefill', range(2), range(2), 1))).toBe(1);
		collector.hooks.observeHead!(ctx('prefill', range(2), range(2)), probs(2, 2));
		collector.hooks.observeHead!(ctx('decode', Int32Array.of(1, 2), range(3)), probs(2, 3));
		const map = collector.result()!;
		expect([map.positions, map.decodeFrom, map.decodeRows]).toEqual([3, 2, 1]);
		// Head 1: row 0 sees key 0 (1); row 1 keys 0, 1 (11, 111); the decode row (t = 1 of 2) keys 0–2 (11, 111, 211). Future keys: not computed.
		expect(Array.from(map.overview.probs)).toEqual([1, N, N, 11, 111, N, 11, 111, 211]);
		expect(Array.from(map.detail.probs)).toEqual(Array.from(map.overview.probs));
	});

	it('max-pools a 10 × 10 map by 4 into 3 × 3 cells, and keeps full resolution only for the last rows the budget holds', () => {
		const collector = attentionMapCollector({ layer: 0, head: 0 }, 1, { positions: 10, decodeFrom: 8 }, { cells: 3, detailFloats: 30 });
		// p(q, k) = (10 q + k) / 100, one head, the whole prompt in one call.
		const probs = Float32Array.from({ length: 100 }, (_, i) => i / 100);
		collector.hooks.observeHead!(ctx('prefill', range(10), range(10), 0), probs);
		const { overview, detail } = collector.result()!;
		expect([overview.block, overview.rows, overview.cols]).toEqual([4, 3, 3]);
		// Cell (r, c) holds max (10 q + k) over q in [4r, 4r + 4), k in [4c, 4c + 4), k ≤ q.
		expect(Array.from(overview.probs, (p) => (p === N ? N : Math.round(p * 100)))).toEqual([33, N, N, 73, 77, N, 93, 97, 99]);
		// 30 floats over 10 keys: the last 3 rows (the 2 decode rows and one more) at full resolution.
		expect([detail.q0, detail.q1, detail.block, detail.rows, detail.cols]).toEqual([7, 10, 1, 3, 10]);
		expect(Math.round(detail.probs[2 * 10 + 9] * 100)).toBe(99);
	});

	it('keeps a zoom the capture asks for at full resolution too, and drops one over the budget', () => {
		const probs = Float32Array.from({ length: 100 }, (_, i) => i / 100);
		const run = (region: { q0: number; q1: number; k0: number; k1: number }) => {
			const collector = attentionMapCollector({ layer: 0, head: 0, region }, 1, { positions: 10, decodeFrom: 8 }, { cells: 3, detailFloats: 30 });
			collector.hooks.observeHead!(ctx('prefill', range(10), range(10), 0), probs);
			return collector.result()!;
		};
		const map = run({ q0: 2, q1: 5, k0: 0, k1: 3 });
		expect(Array.from(map.region!.probs, (p) => (p === N ? N : Math.round(p * 100)))).toEqual([20, 21, 22, 30, 31, 32, 40, 41, 42]);
		// Drawn from the region's tile, not the 4 × 4 pooled overview.
		expect(tileFor(map, { q0: 2, q1: 4, k0: 0, k1: 2 })).toBe(map.region);
		expect(tileFor(map, { q0: 1, q1: 4, k0: 0, k1: 2 })).toBe(map.overview);
		// 6 × 6 = 36 floats: over the 30 the budget allows.
		expect(run({ q0: 0, q1: 6, k0: 0, k1: 6 }).region).toBeUndefined();
	});

	it('cuts the map to the positions that ran when the answer stops early', () => {
		const collector = attentionMapCollector({ layer: 0, head: 0 }, 1, { positions: 10, decodeFrom: 6 }, { cells: 3, detailFloats: 0 });
		collector.hooks.observeHead!(ctx('prefill', range(6), range(6), 0), new Float32Array(36).fill(0.5));
		const map = collector.result()!;
		expect(map.positions).toBe(6);
		expect([map.overview.rows, map.overview.cols, map.overview.q1]).toEqual([2, 2, 6]);
		// Past any budget, full resolution keeps the prompt's last row: the query that predicted the answer.
		expect([map.detail.q0, map.detail.q1, map.detail.rows, map.detail.cols]).toEqual([5, 6, 1, 6]);
		expect(Array.from(map.detail.probs)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
	});

	it('on a real model at 600 tokens: the overview is the max of the full-resolution rows it pools, and nothing is T × T', async () => {
		const model = fixtureModel({ seed: 3 });
		const engine = await Engine.load(model.config, model.safetensors);
		const experiment = { ...defaultExperiment(catalog), len: 600 };
		const zoom = { q0: 99, q1: 141, k0: 90, k1: 132 };
		const r = await runExperiment(engine, experiment, { capture: { layer: 1, head: 3, region: zoom }, maxNewTokens: 4, chunkSize: 128 });
		await engine.release();
		const map = r.map!;
		expect(map.positions).toBe(r.promptTokens + map.decodeRows);
		expect(map.decodeRows).toBe(r.tokens.length - 1);
		const { overview, detail } = map;
		expect(overview.block).toBe(Math.ceil((r.promptTokens + 3) / 256));
		expect(overview.probs.length).toBeLessThanOrEqual(256 * 256);
		expect(detail.probs.length).toBeLessThanOrEqual(1024 * 1024);
		// Every overview cell whose rows the detail tile holds whole equals the max over those entries.
		let checked = 0;
		for (let r0 = 0; r0 < overview.rows; r0++) {
			const q0 = r0 * overview.block;
			const q1 = Math.min(map.positions, q0 + overview.block);
			if (q0 < detail.q0) continue;
			for (let c = 0; c < overview.cols; c++) {
				let max = N;
				for (let q = q0; q < q1; q++) for (let k = c * overview.block; k < Math.min(map.positions, (c + 1) * overview.block); k++) max = Math.max(max, detail.probs[(q - detail.q0) * detail.cols + k]);
				expect(overview.probs[r0 * overview.cols + c]).toBe(max);
				checked++;
			}
		}
		expect(checked).toBeGreaterThan(0);
		// So is every overview cell inside the zoom the capture kept at full resolution.
		const region = map.region!;
		expect([region.q0, region.q1, region.k0, region.k1, region.block]).toEqual([99, 141, 90, 132, 1]);
		for (let q0 = 99; q0 + overview.block <= 141; q0 += overview.block) {
			for (let k0 = 90; k0 + overview.block <= 132; k0 += overview.block) {
				let max = N;
				for (let q = q0; q < q0 + overview.block; q++) for (let k = k0; k < k0 + overview.block; k++) max = Math.max(max, region.probs[(q - 99) * region.cols + (k - 90)]);
				expect(overview.probs[(q0 / overview.block) * overview.cols + k0 / overview.block]).toBe(max);
			}
		}
		// The last query's row is a distribution over the keys it saw.
		const last = detail.probs.subarray((map.positions - 1 - detail.q0) * detail.cols, (map.positions - detail.q0) * detail.cols);
		expect(last.reduce((a, p) => a + Math.max(0, p), 0)).toBeCloseTo(1, 4);
	});
});

/** A 10 × 10 tile at full resolution whose cell (r, c) holds 10 r + c. */
function numbered(): MapTile {
	const tile = emptyTile(0, 10, 0, 10, 1);
	tile.probs.set(Float32Array.from({ length: 100 }, (_, i) => i));
	return tile;
}

describe('drawing a region', () => {
	it('pools a 10 × 10 map by 4 into 3 × 3 cells of known maxima, square in positions', () => {
		const grid = pooledRegion(numbered(), { q0: 0, q1: 10, k0: 0, k1: 10 }, 3);
		expect([grid.block, grid.rows, grid.cols, grid.q1, grid.k1]).toEqual([4, 3, 3, 10, 10]);
		expect(Array.from(grid.probs)).toEqual([33, 37, 39, 73, 77, 79, 93, 97, 99]);
	});

	it('a small region is drawn cell for cell; a pooled one snaps to whole pooled cells', () => {
		const small = pooledRegion(numbered(), { q0: 5, q1: 9, k0: 2, k1: 7 }, 256);
		expect([small.q0, small.q1, small.k0, small.k1, small.block, small.rows, small.cols]).toEqual([5, 9, 2, 7, 1, 4, 5]);
		expect(small.probs[0]).toBe(52);
		// 5 rows × 8 cols into 4 a side: factor 2, rows from 4 (not 5), columns from 2.
		const snapped = pooledRegion(numbered(), { q0: 5, q1: 10, k0: 2, k1: 10 }, 4);
		expect([snapped.q0, snapped.k0, snapped.block, snapped.rows, snapped.cols]).toEqual([4, 2, 2, 3, 4]);
		expect(snapped.probs[0]).toBe(53);
	});

	it('reads full resolution where the capture kept it, else the overview', () => {
		const detail = emptyTile(6, 10, 0, 10, 1);
		const overview = emptyTile(0, 10, 0, 10, 4);
		expect(tileFor({ overview, detail }, { q0: 8, q1: 10, k0: 2, k1: 5 })).toBe(detail);
		expect(tileFor({ overview, detail }, { q0: 4, q1: 10, k0: 2, k1: 5 })).toBe(overview);
	});

	it('knows the future (above the diagonal) from a cell’s positions', () => {
		const grid = emptyTile(0, 10, 0, 10, 4);
		expect([causalCell(grid, 0, 0), causalCell(grid, 0, 1), causalCell(grid, 1, 1), causalCell(grid, 2, 2)]).toEqual([true, false, true, true]);
	});

	it('clips a zoom from a link to the map, and drops one that misses it', () => {
		expect(clipZoom({ q0: -5, q1: 20, k0: 3, k1: 8 }, 10)).toEqual({ q0: 0, q1: 10, k0: 3, k1: 8 });
		expect(clipZoom({ q0: 12, q1: 20, k0: 0, k1: 4 }, 10)).toBeNull();
		expect(clipZoom(null, 10)).toBeNull();
	});

	it('ticks round positions at least 48 px apart: 0 … 4 096 over 400 px by 1 000, over 1 000 px by 500', () => {
		expect(positionTicks(0, 4096, 400)).toEqual([0, 1000, 2000, 3000, 4000]);
		expect(positionTicks(0, 4096, 1000)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]);
		expect(positionTicks(100, 164, 300)).toEqual([100, 120, 140, 160]);
		expect(positionTicks(0, 3, 400)).toEqual([0, 1, 2, 3]);
		expect(positionTicks(0, 4096, 20)).toEqual([]);
	});

	it('fits square cells in the room given, keeping the captured aspect', () => {
		expect(fitAspect(256, 128, 500, 440)).toEqual({ width: 500, height: 250 });
		expect(fitAspect(40, 64, 500, 440)).toEqual({ width: 275, height: 440 });
		expect(fitAspect(0, 64, 500, 440)).toEqual({ width: 0, height: 0 });
	});

	it('says what one cell is', () => {
		expect(cellWords(16)).toBe('each cell: max over 16 queries × 16 keys');
		expect(cellWords(1)).toBe('each cell: one query × one key (full resolution)');
	});
});

describe('colour scale', () => {
	it('log spans 10⁻⁴ … 1 in four even decades; linear 0 … 1; masked and negative are the floor', () => {
		expect(intensity(1e-2, 'log')).toBeCloseTo(0.5, 12);
		expect(intensity(1, 'log')).toBe(1);
		expect(intensity(1e-5, 'log')).toBe(0);
		expect(intensity(0, 'log')).toBe(0);
		expect(intensity(-1, 'linear')).toBe(0);
		expect(intensity(0.3, 'linear')).toBe(0.3);
		expect(scaleTicks('log').map((t) => t.label)).toEqual(['10⁻⁴', '10⁻³', '10⁻²', '10⁻¹', '1']);
	});

	it('is viridis: dark purple, teal at the middle, yellow', () => {
		expect(viridis(0)).toEqual([68, 1, 84]);
		expect(viridis(0.5)).toEqual([33, 145, 140]);
		expect(viridis(1)).toEqual([253, 231, 37]);
		expect(viridis(2)).toEqual([253, 231, 37]);
	});
});
