import { topK } from '$lib/techniques/ranking';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '$lib/engine/config';
import type { MaskContext } from '$lib/engine/hooks';
import { createRng } from '$lib/random';
import { patternMask, report, type PatternStats } from '$lib/experiment/technique-hooks';
import { attentionPatterns } from '$lib/techniques/registry';
import type { PatternGrid } from '$lib/techniques/types';
import { fixtureModel } from '../fixtures/fixture-model';

const config = parseConfig(fixtureModel().config);
const pattern = (id: string) => attentionPatterns.find((p) => p.id === id)!;
const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

function grid(T: number, scores?: (i: number, j: number) => number, extra: Partial<PatternGrid> = {}): PatternGrid {
	return {
		layer: 0,
		head: 0,
		config,
		phase: 'prefill',
		queryPositions: range(T),
		keyPositions: range(T),
		scores: () => Float32Array.from({ length: T * T }, (_, n) => (scores ? scores(Math.floor(n / T), n % T) : 0)),
		scoreRows: (from: number, to: number) => Float32Array.from({ length: (to - from) * T }, (_, n) => (scores ? scores(from + Math.floor(n / T), n % T) : 0)),
		window: null,
		...extra
	};
}

/** The causal part of a mask as rows of '1' (kept) and '.' (masked). */
function picture(mask: Uint8Array, T: number): string[] {
	return Array.from({ length: T }, (_, i) => Array.from({ length: i + 1 }, (_, j) => (mask[i * T + j] ? '1' : '.')).join(''));
}

const maskOf = (id: string, params: Record<string, unknown>, g: PatternGrid = grid(12)) =>
	picture(pattern(id).mask({ ...defaults(id), ...params } as never, g), g.queryPositions.length);
const defaults = (id: string) => Object.fromEntries(Object.entries(pattern(id).params).map(([k, spec]) => [k, spec.default]));

// Expected masks written by hand from each paper's definition (row i = query i, column j = key j).
describe('static pattern masks on a 12 × 12 grid', () => {
	it('sliding window (w = 4): the last 4 keys', () => {
		expect(maskOf('window', { window: 4 })).toEqual([
			'1', '11', '111', '1111', '.1111', '..1111', '...1111', '....1111', '.....1111', '......1111', '.......1111', '........1111'
		]);
	});

	it('sinks + window (2 sinks, window 3)', () => {
		expect(maskOf('sink-window', { sink: 2, window: 3 })).toEqual([
			'1', '11', '111', '1111', '11111', '11.111', '11..111', '11...111', '11....111', '11.....111', '11......111', '11.......111'
		]);
	});

	it('Λ-shape equals sinks + window with its global and local branches', () => {
		expect(maskOf('lambda', { global: 2, local: 3 })).toEqual(maskOf('sink-window', { sink: 2, window: 3 }));
	});

	it('dilated (3 keys, dilation 2): distances 0, 2, 4', () => {
		expect(maskOf('dilated', { window: 3, dilation: 2 })).toEqual([
			'1', '.1', '1.1', '.1.1', '1.1.1', '.1.1.1', '..1.1.1', '...1.1.1', '....1.1.1', '.....1.1.1', '......1.1.1', '.......1.1.1'
		]);
	});

	it('strided (stride 4): the last 4 keys and every 4th before', () => {
		expect(maskOf('strided', { stride: 4 })).toEqual([
			'1', '11', '111', '1111', '11111', '.11111', '..11111', '...11111', '1...11111', '.1...11111', '..1...11111', '...1...11111'
		]);
	});

	it('static block-sparse (blocks of 4, own block + 1 global block)', () => {
		expect(maskOf('block-sparse', { block: 4, local: 1, global: 1 })).toEqual([
			'1', '11', '111', '1111', '11111', '111111', '1111111', '11111111', '1111....1', '1111....11', '1111....111', '1111....1111'
		]);
	});
});

describe('densities', () => {
	it('match the closed form of a sliding window: w(w+1)/2 + (T−w)·w of T(T+1)/2', () => {
		const T = 100;
		const w = 16;
		const stats: PatternStats = { causal: 0, kept: 0, massKept: 0, rows: 0 };
		const ctx = { config, layer: 0, phase: 'prefill', queryPositions: range(T), keyPositions: [range(T), range(T)], slots: T, window: null, scores: () => new Float32Array(config.heads * T * T) } as MaskContext;
		patternMask(pattern('window'), { window: w }, ctx, stats, true);
		expect(report(stats).density).toBeCloseTo(((w * (w + 1)) / 2 + (T - w) * w) / ((T * (T + 1)) / 2), 12);
		// Equal scores spread the mass evenly, so recall is the mean share of keys kept per row.
		const expectedRecall = Array.from({ length: T }, (_, i) => Math.min(i + 1, w) / (i + 1)).reduce((a, b) => a + b) / T;
		expect(report(stats).recall).toBeCloseTo(expectedRecall, 6);
	});
});

describe('recall', () => {
	it('weighs the kept keys by every head\'s own attention, even where the heads share one mask', () => {
		const T = 8;
		const w = 2;
		const H = config.heads;
		const stats: PatternStats = { causal: 0, kept: 0, massKept: 0, rows: 0 };
		// Head 0 scores every key alike; the others put (almost) all their mass on the newest key, which a window keeps.
		const scores = new Float32Array(H * T * T);
		for (let h = 1; h < H; h++) for (let t = 0; t < T; t++) scores[(h * T + t) * T + t] = 50;
		const ctx = { config, layer: 0, phase: 'prefill', queryPositions: range(T), keyPositions: Array.from({ length: config.kvHeads }, () => range(T)), slots: T, window: null, scores: () => scores } as MaskContext;
		patternMask(pattern('window'), { window: w }, ctx, stats, true);
		const uniform = Array.from({ length: T }, (_, i) => Math.min(i + 1, w) / (i + 1)).reduce((a, b) => a + b) / T;
		expect(report(stats).recall).toBeCloseTo((uniform + (H - 1)) / H, 6);
	});
});

describe('score-dependent patterns', () => {
	it('top-k keeps exactly k keys per query: the highest-scoring ones', () => {
		const rng = createRng(3);
		const T = 20;
		const values = Array.from({ length: T * T }, () => rng.next());
		const g = grid(T, (i, j) => values[i * T + j]);
		const mask = pattern('top-k').mask({ k: 3, init: 0, local: 0 }, g);
		for (let i = 0; i < T; i++) {
			const kept = Array.from({ length: i + 1 }, (_, j) => j).filter((j) => mask[i * T + j]);
			const best = Array.from({ length: i + 1 }, (_, j) => j).sort((a, b) => values[i * T + b] - values[i * T + a]).slice(0, 3);
			expect(kept.sort((a, b) => a - b)).toEqual(best.sort((a, b) => a - b));
		}
	});

	it('vertical-slash keeps the forced sinks and local diagonals plus the hottest column and diagonal', () => {
		const T = 200;
		const hot = (i: number, j: number) => (j === 150 ? 5 : 0) + (i - j === 120 ? 5 : 0);
		const mask = pattern('vertical-slash').mask({ vertical: 31, slash: 101, last_q: 64 }, grid(T, hot));
		const expected = (i: number, j: number) => j < 30 || j === 150 || i - j < 100 || i - j === 120;
		for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) expect(mask[i * T + j] === 1, `(${i}, ${j})`).toBe(expected(i, j));
	});

	it('dynamic block-sparse keeps, per query block, the key block with the highest pooled score', () => {
		const T = 16;
		// Every query block (but the first) scores its previous block highest.
		const scores = (i: number, j: number) => (Math.floor(j / 4) === Math.floor(i / 4) - 1 ? 10 : 0);
		const picturePerRow = maskOf('dynamic-block-sparse', { block: 4, blocks: 1 }, grid(T, scores));
		expect(picturePerRow).toEqual([
			'1', '11', '111', '1111', '1111.', '1111..', '1111...', '1111....', '....1111.', '....1111..', '....1111...', '....1111....',
			'........1111.', '........1111..', '........1111...', '........1111....'
		]);
	});
});

describe('per-layer and per-head mixes', () => {
	it('per-layer keeps full attention only in the listed layers', () => {
		const full = maskOf('per-layer', { full_layers: [1], sink: 1, window: 2 }, grid(6, undefined, { layer: 1 }));
		const sparse = maskOf('per-layer', { full_layers: [1], sink: 1, window: 2 }, grid(6, undefined, { layer: 0 }));
		expect(full).toEqual(['1', '11', '111', '1111', '11111', '111111']);
		expect(sparse).toEqual(['1', '11', '111', '1.11', '1..11', '1...11']);
	});

	it('per-head (DuoAttention) gives listed KV heads, and their query group, full attention', () => {
		// The fixture has 4 query heads over 2 KV heads: query heads 2 and 3 follow KV head 1.
		const params = { retrieval_heads: '0.1', sink: 1, recent: 2 };
		const at = (head: number, layer = 0) => maskOf('per-head', params, grid(5, undefined, { head, layer }));
		expect(at(2)).toEqual(['1', '11', '111', '1111', '11111']);
		expect(at(3)).toEqual(at(2));
		expect(at(0)).toEqual(['1', '11', '111', '1.11', '1..11']);
		expect(at(2, 1)).toEqual(at(0));
	});

	it('refuse heads and layers the model does not have', () => {
		expect(pattern('per-head').refuse!({ retrieval_heads: '0.1,5.0,1.7', sink: 1, recent: 2 }, config)).toMatch(/Head 5.0, 1.7 does not exist/);
		expect(pattern('per-layer').refuse!({ full_layers: [0, 9], sink: 1, window: 2 }, config)).toMatch(/Layer 9 does not exist/);
	});
});

describe('sinks + window written as runs', () => {
	it('is the per-entry test, byte for byte, on keys with gaps and queries past the keys', async () => {
		const { maskOf, sinkAndWindow, sinkAndWindowMask } = await import('$lib/techniques/patterns/shapes');
		// Keys after an eviction (gaps), queries inside and beyond them.
		const keyPositions = Int32Array.from([0, 1, 2, 5, 6, 9, 10, 11, 15, 20]);
		const queryPositions = Int32Array.from([2, 9, 11, 15, 20, 25]);
		for (const [sinks, window] of [[0, 1], [0, 3], [2, 3], [4, 8], [3, 100], [20, 2]]) {
			const grid = { queryPositions, keyPositions };
			expect(Array.from(sinkAndWindowMask(grid, sinks, window)), `${sinks} + ${window}`).toEqual(Array.from(maskOf(grid, sinkAndWindow(sinks, window))));
		}
	});
});

describe('picking the highest scores', () => {
	it('picks what sorting every candidate by score (ties to the earlier index) and cutting at k picks', () => {
		const rng = createRng(9);
		for (let trial = 0; trial < 200; trial++) {
			const n = rng.int(0, 60);
			// Few distinct values, and forced entries (+∞), so that ties are common.
			const scores = Array.from({ length: n }, () => (rng.next() < 0.1 ? Infinity : rng.int(0, 5)));
			const candidates = Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.8);
			const k = rng.int(0, n + 3);
			const bySorting = [...candidates].sort((a, b) => (scores[a] === scores[b] ? a - b : scores[b] - scores[a])).slice(0, k).sort((a, b) => a - b);
			expect(topK(scores, k, candidates)).toEqual(bySorting);
		}
	});
});
