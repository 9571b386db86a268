import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEW_STATE, FIELDS, strongestRetrievalHead, decodeObject, decodeQuery, defaultExperiment, encodeQuery, experimentHash, type ViewState } from '$lib/experiment';
import { comparisonHash } from '$lib/experiment/hash';
import { decodeAB, encodeAB } from '$lib/experiment/ab';
import { defaultLength } from '$lib/experiment/default-length';
import { testCatalog } from './test-catalog';

const viewPart = (query: string) =>
	query
		.split('&')
		.filter((part) => part.startsWith('view.'))
		.join('&');

describe('view state in the link', () => {
	it('writes nothing for the default view state, so links that never touched it stay as they were', () => {
		expect(viewPart(encodeQuery(defaultExperiment(testCatalog), testCatalog))).toBe('');
	});

	it('writes only what differs from the default, as readable parameters', () => {
		const experiment = { ...defaultExperiment(testCatalog), view: { ...DEFAULT_VIEW_STATE, layer: 2, head: 3, metric: 'entropy' as const } };
		expect(viewPart(encodeQuery(experiment, testCatalog))).toBe('view.layer=2&view.head=3&view.metric=entropy');
	});

	it('round-trips every setting exactly', () => {
		const views: ViewState[] = [
			{ layer: 0, head: 0, scale: 'linear', zoom: { q0: 0, q1: 128, k0: 64, k1: 192 }, metric: 'retrieval' },
			{ layer: 31, head: 7, scale: 'log', zoom: null, metric: 'pattern' },
			{ layer: null, head: null, scale: 'linear', zoom: { q0: 4095, q1: 4096, k0: 0, k1: 1 }, metric: 'sinkMass' }
		];
		for (const view of views) {
			const experiment = { ...defaultExperiment(testCatalog), view };
			const decoded = decodeQuery(encodeQuery(experiment, testCatalog), testCatalog);
			expect(decoded.problems).toEqual([]);
			expect(decoded.experiment.view).toEqual(view);
		}
	});

	it('reads the example link of the issue', () => {
		const { experiment, problems } = decodeQuery('view.layer=2&view.head=3&view.scale=linear&view.zoom=0-128,0-128&view.metric=entropy', testCatalog);
		expect(problems).toEqual([]);
		expect(experiment.view).toEqual({ layer: 2, head: 3, scale: 'linear', zoom: { q0: 0, q1: 128, k0: 0, k1: 128 }, metric: 'entropy' });
	});

	it('rejects bad values with a message each and falls back to the defaults', () => {
		const { experiment, problems } = decodeQuery(
			'view.layer=-1&view.head=2&view.scale=rainbow&view.zoom=128-0,0-64&view.metric=%3Cb%3E&view.colour=red',
			testCatalog
		);
		expect(experiment.view).toEqual(DEFAULT_VIEW_STATE);
		const messages = problems.map((p) => p.message);
		expect(messages).toContain('"view.layer" is "-1", which is not a layer number (0, 1, …); the page picks the head.');
		expect(messages).toContain('"view.head" was given without a valid "view.layer"; the page picks the head.');
		expect(messages).toContain('"view.scale" is "rainbow", which is not log or linear; using log.');
		expect(messages).toContain('"view.zoom" is "128-0,0-64", which is not a region "q0-q1,k0-k1" of token positions with q0 < q1 and k0 < k1; showing the whole map.');
		expect(messages).toContain('"view.metric" is "<b>", which is not sinkMass, entropy, distance, retrieval, pattern; using sinkMass.');
		expect(messages.some((m) => m.startsWith('"view.colour" is not a view setting'))).toBe(true);
		expect(problems).toHaveLength(6);
	});

	it('refuses indices too large for any model, and a layer without a head', () => {
		const huge = decodeQuery('view.layer=99999999&view.head=1', testCatalog);
		expect(huge.experiment.view.layer).toBeNull();
		expect(huge.problems.length).toBeGreaterThan(0);
		const alone = decodeQuery('view.layer=1', testCatalog);
		expect(alone.experiment.view).toEqual(DEFAULT_VIEW_STATE);
		expect(alone.problems.map((p) => p.message)).toEqual(['"view.layer" was given without a valid "view.head"; the page picks the head.']);
	});

	it('reads a JSON experiment\'s view object', () => {
		const { experiment, problems } = decodeObject({ view: { layer: 1, head: 1, zoom: { q0: 0, q1: 8, k0: 0, k1: 8 } } }, testCatalog);
		expect(problems).toEqual([]);
		expect(experiment.view).toEqual({ ...DEFAULT_VIEW_STATE, layer: 1, head: 1, zoom: { q0: 0, q1: 8, k0: 0, k1: 8 } });
	});

	it('is not part of the run\'s identity', () => {
		const a = decodeQuery('seed=3', testCatalog).experiment;
		const b = decodeQuery('seed=3&view.layer=1&view.head=2&view.scale=linear', testCatalog).experiment;
		expect(experimentHash(a)).toBe(experimentHash(b));
	});

	it('survives an A/B link, which B shares with A', () => {
		const query = 'seed=3&view.layer=1&view.head=1&b.attn=sink-window';
		const decoded = decodeAB(query, testCatalog);
		expect(decoded.problems).toEqual([]);
		expect(decoded.a.view).toEqual({ ...DEFAULT_VIEW_STATE, layer: 1, head: 1 });
		expect(viewPart(encodeAB(decoded.a, decoded.b, testCatalog))).toBe('view.layer=1&view.head=1');
	});
});

describe('the id of an A/B comparison', () => {
	it('is A\'s own id without B, and differs with each B', () => {
		const { a, b } = decodeAB('seed=3&b.attn=sink-window', testCatalog);
		const other = decodeAB('seed=3&b.attn=sink-window&b.attn.window=32', testCatalog).b;
		expect(comparisonHash(a, null)).toBe(experimentHash(a));
		const ids = new Set([comparisonHash(a, null), comparisonHash(a, b), comparisonHash(a, other)]);
		expect(ids.size).toBe(3);
		// B identical to A is still a comparison, not A alone.
		expect(comparisonHash(a, a)).not.toBe(experimentHash(a));
	});
});

describe('the head a heatmap shows when the link names none', () => {
	it('is the strongest retrieval head, ties to the lowest layer and head, L0H0 without scores', () => {
		expect(strongestRetrievalHead([[0, 0.2], [0.9, 0.1], [0.3, 0.9]])).toEqual([1, 0]);
		expect(strongestRetrievalHead([[0, 0], [0, 0]])).toEqual([0, 0]);
		expect(strongestRetrievalHead([[Number.NaN, 0.1]])).toEqual([0, 1]);
		expect(strongestRetrievalHead(null)).toEqual([0, 0]);
		expect(strongestRetrievalHead([])).toEqual([0, 0]);
	});
});

describe('the length a link without one runs at', () => {
	it('is the trained context, at most the field default, at least its minimum', () => {
		expect(defaultLength({ maxPositions: 256 })).toBe(256);
		expect(defaultLength({ maxPositions: 131_072 })).toBe(FIELDS.len.default);
		expect(defaultLength({ maxPositions: 8 })).toBe(FIELDS.len.min);
	});
});
