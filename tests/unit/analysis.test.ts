import { describe, expect, it } from 'vitest';
import { ablationHooks, randomHeads } from '$lib/probes/ablation';
import { headPatternCollector } from '$lib/probes/head-patterns';
import { headStatsCollector } from '$lib/probes/heads';
import { needleGrid } from '$lib/experiment/needle-grid';
import { klDivergence, meanKlDivergence, meanNextTokenNll } from '$lib/analysis/kl';
import { strongestRetrievalHeads } from '$lib/experiment/ablation-study';
import type { RunResult } from '$lib/experiment/run';
import { copiedSpans, retrievalScores, summariseRetrieval } from '$lib/analysis/retrieval';
import { nllPerToken, perplexityByPosition } from '$lib/analysis/perplexity';
import { parseConfig, type ModelConfig } from '$lib/engine/config';
import { Engine } from '$lib/engine/engine';
import { SINK_TOKENS, type Hooks, type LayerContext } from '$lib/engine/hooks';
import { composeHooks } from '$lib/engine/compose';
import { techniqueHooks } from '$lib/experiment/technique-hooks';
import { catalog, defaultExperiment } from '$lib/experiment';
import { referenceForward } from '$lib/engine/reference';
import { parseSafetensors } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { fixtureModel } from '../fixtures/fixture-model';

describe('retrieval-head score (Wu et al.)', () => {
	// Needle tokens 5, 6, 7 at positions 10–12; the model generates 5, 6, 7.
	const ids = Array.from({ length: 23 }, (_, i) => 100 + i);
	ids.splice(10, 3, 5, 6, 7);
	const needle = [{ start: 10, end: 13 }];
	const generated = [5, 6, 7];

	it('a head that copies from the needle scores 1.0; a local head 0.0; a wrong-token look 0.0', () => {
		// steps[k][layer][head]: head 0 copies, head 1 looks at the newest token, head 2 looks into the needle at the wrong token.
		const steps = [
			[[10, 20, 11]],
			[[11, 21, 10]],
			[[12, 22, 10]]
		];
		expect(retrievalScores(steps, generated, ids, needle)).toEqual([[1, 0, 0]]);
	});

	it('counts only the rows that predicted the generated tokens (earlier prefill chunks are ignored)', () => {
		const steps = [[[0, 0]], [[10, 0]], [[11, 0]], [[12, 12]]];
		const scores = retrievalScores(steps, generated, ids, needle);
		expect(scores[0][0]).toBeCloseTo(1, 12);
		expect(scores[0][1]).toBeCloseTo(1 / 3, 12);
	});

	it('counts a copy from any occurrence of the answer, over the answer\'s length', () => {
		// The answer 5 6 7 is written twice (positions 10–12 and 16–18); head 0 copies the first
		// digit from one occurrence and the rest from the other, head 1 looks at filler.
		const twice = [...ids];
		twice.splice(16, 3, 5, 6, 7);
		const steps = [[[10, 14]], [[17, 15]], [[18, 9]]];
		expect(retrievalScores(steps, generated, twice, [{ start: 10, end: 13 }, { start: 16, end: 19 }])).toEqual([[1, 0]]);
	});

	it('copies from the answers inside real needles, not from a distractor\'s', () => {
		const spans = [
			{ start: 5, end: 20, kind: 'needle', text: '' },
			{ start: 9, end: 12, kind: 'answer', text: '' },
			{ start: 30, end: 40, kind: 'distractor', text: '' },
			{ start: 33, end: 36, kind: 'answer', text: '' }
		] as const;
		expect(copiedSpans([...spans])).toEqual([spans[1]]);
	});

	it('counts only runs that answered (more than half the answer right) toward a head\'s score', () => {
		const run = (partial: number, retrieval: number[][]) => ({ partial, heads: { retrieval } }) as unknown as RunResult;
		// The failed run's 0.9 would lift head 1 over the threshold if it counted.
		const runs = [run(1, [[0.6, 0]]), run(0.8, [[0.4, 0.1]]), run(0.4, [[0, 0.9]])];
		expect(strongestRetrievalHeads(runs)).toEqual([{ layer: 0, head: 0, score: 0.5 }]);
		expect(strongestRetrievalHeads([run(0.5, [[1, 1]])])).toEqual([]);
	});

	it('averages samples and lists heads above 0.1, strongest first', () => {
		const summary = summariseRetrieval([
			[[1, 0.1, 0.3]],
			[[0.5, 0.1, 0]]
		]);
		expect(summary.mean[0].map((x) => +x.toFixed(6))).toEqual([0.75, 0.1, 0.15]);
		expect(summary.heads.map((h) => h.head)).toEqual([0, 2]);
	});
});

describe('per-head statistics', () => {
	it('averages each row\'s sink mass, entropy and distance over the rows it saw', () => {
		const collector = headStatsCollector(1, 1);
		const ctx = { layer: 0, queryPositions: Int32Array.of(0, 1) } as unknown as LayerContext;
		// Row 0 puts everything on key 0; row 1 puts ¼ on key 0, ¾ on key 1 (mean key position ¾).
		collector.hooks.observeRowStats!(ctx, { sinkMass: Float32Array.of(1, 1), meanKeyPosition: Float32Array.of(0, 0.75), entropy: Float32Array.of(0, 0.5623351446), topKey: Int32Array.of(0, 1) });
		const stats = collector.result();
		expect(stats.sinkMass[0][0]).toBeCloseTo(1, 7);
		expect(stats.entropy[0][0]).toBeCloseTo(0.5623351446 / 2, 7);
		// Distances: 0 − 0 and 1 − ¾.
		expect(stats.distance[0][0]).toBeCloseTo(0.125, 7);
	});

	// The engine computes the rows' statistics beside attention; here they are recomputed from the
	// probabilities of the same call by their definitions, in float64.
	const definitions = (ctx: LayerContext, probs: Float32Array, heads: number) => {
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		const group = heads / ctx.keyPositions.length;
		const rows: { sink: number; mean: number; entropy: number; top: number }[] = [];
		for (let h = 0; h < heads; h++) {
			const keys = ctx.keyPositions[Math.floor(h / group)];
			for (let t = 0; t < T; t++) {
				let sink = 0;
				let mean = 0;
				let entropy = 0;
				let top = 0;
				for (let s = 0; s < keys.length; s++) {
					const p = probs[(h * T + t) * S + s];
					if (p > probs[(h * T + t) * S + top]) top = s;
					if (p <= 0) continue;
					if (keys[s] < SINK_TOKENS) sink += p;
					mean += p * keys[s];
					entropy -= p * Math.log(p);
				}
				rows.push({ sink, mean, entropy, top: keys[top] });
			}
		}
		return rows;
	};

	for (const [name, hooks] of [
		['full attention, GQA', () => ({})],
		['a sparse pattern (attention reads only the gathered slots)', (config: ModelConfig) => techniqueHooks({ ...defaultExperiment(catalog), attn: { id: 'sink-window', params: { sink: 2, window: 6 } } }, { causal: 0, kept: 0, massKept: 0, rows: 0 }, { config })]
	] as const) {
		it(`sink mass, mean key position, entropy and top key of every row match their definitions: ${name}`, async () => {
			const engine = await Engine.load(fixtureModel({ seed: 7 }).config, fixtureModel({ seed: 7 }).safetensors);
			let worst = { sink: 0, mean: 0, entropy: 0 };
			let compared = 0;
			let otherTopKeys = 0;
			let expected: ReturnType<typeof definitions> = [];
			const probe: Hooks = {
				observe: (ctx, probs) => void (expected = definitions(ctx, probs, engine.config.heads)),
				observeRowStats: (_ctx, stats) => {
					expected.forEach((row, i) => {
						worst = { sink: Math.max(worst.sink, Math.abs(stats.sinkMass[i] - row.sink)), mean: Math.max(worst.mean, Math.abs(stats.meanKeyPosition[i] - row.mean)), entropy: Math.max(worst.entropy, Math.abs(stats.entropy[i] - row.entropy)) };
						if (stats.topKey[i] !== row.top) otherTopKeys++;
						compared++;
					});
				}
			};
			const ids = Array.from({ length: 40 }, (_, i) => (i * 37 + 5) % 256);
			const seq = engine.sequence(composeHooks(hooks(engine.config), probe));
			await seq.prefill(ids, { chunkSize: 16 });
			await seq.step(ids[3]);
			expect(compared).toBe(engine.config.layers * engine.config.heads * 41);
			expect(worst.sink).toBeLessThan(1e-6);
			expect(worst.mean).toBeLessThan(1e-4);
			expect(worst.entropy).toBeLessThan(1e-4);
			expect(otherTopKeys).toBe(0);
			await engine.release();
		});

		it(`one watched head's probabilities are that head's share of every head's: ${name}`, async () => {
			const engine = await Engine.load(fixtureModel({ seed: 7 }).config, fixtureModel({ seed: 7 }).safetensors);
			const ids = Array.from({ length: 40 }, (_, i) => (i * 37 + 5) % 256);
			const head = 3;
			const run = async (probe: Hooks) => {
				const seq = engine.sequence(composeHooks(hooks(engine.config), probe));
				await seq.prefill(ids, { chunkSize: 16 });
				await seq.step(ids[3]);
			};
			const slices: number[][] = [];
			await run({ wantsProbabilities: (ctx) => ctx.layer === 1, observe: (ctx, probs) => void slices.push(Array.from(probs.subarray(head * ctx.queryPositions.length * ctx.slots, (head + 1) * ctx.queryPositions.length * ctx.slots))) });
			const watched: number[][] = [];
			await run({ watchedHead: (ctx) => (ctx.layer === 1 ? head : null), observeHead: (_ctx, probs) => void watched.push(Array.from(probs)) });
			expect(watched.length).toBe(4);
			expect(watched).toEqual(slices);
			await engine.release();
		});
	}
});

describe('KL to full attention', () => {
	it('KL([½, ½] ‖ [¾, ¼]) = ½ ln(2/3) + ½ ln 2 = 0.1438410362', () => {
		expect(klDivergence([0, 0], [Math.log(3), 0])).toBeCloseTo(0.1438410362, 9);
		expect(klDivergence([1, 2, 3], [1, 2, 3])).toBe(0);
	});

	it('averages over the positions both runs computed, matching rows by position', () => {
		// Reference rows at positions 5, 6, 7; the pruned run has only 5 and 7 (in other rows).
		const reference = { logits: Float32Array.of(0, 0, 9, 9, 0, 0), positions: Int32Array.of(5, 6, 7) };
		const run = { logits: Float32Array.of(Math.log(3), 0, 0, 0), positions: Int32Array.of(5, 7) };
		// Position 5: 0.1438410362; position 7: 0 → mean 0.0719205181; position 6 is not compared.
		expect(meanKlDivergence(reference, run, 2)).toBeCloseTo(0.0719205181, 6);
	});

	it('NLL of the actual next tokens: −ln ¾ and −ln ½, averaged; the last prompt row has no target', () => {
		const run = { logits: Float32Array.of(Math.log(3), 0, 0, 0, 5, 5), positions: Int32Array.of(0, 1, 2) };
		// ids[1] = 0 (p = ¾), ids[2] = 1 (p = ½); position 2 is the last prompt token.
		expect(meanNextTokenNll(run, [7, 0, 1], 2)).toBeCloseTo((-Math.log(0.75) - Math.log(0.5)) / 2, 6);
	});
});

describe('head ablation', () => {
	it('masked heads attend only to the first token; the rest of the model is untouched', async () => {
		const model = fixtureModel({ seed: 19 });
		const config = parseConfig(model.config);
		const weights = loadWeights(parseSafetensors(model.safetensors), config);
		const engine = await Engine.load(model.config, model.safetensors);
		const ids = Array.from({ length: 20 }, (_, i) => (i * 7 + 1) % 256);
		const masked: [number, number][] = [
			[0, 1],
			[1, 3]
		];
		const logits = await engine.sequence(ablationHooks(masked, config.heads)).prefill(ids, { allLogits: true });
		const reference = referenceForward(config, weights, ids, { allowed: (l, h, _i, j) => !masked.some(([ml, mh]) => ml === l && mh === h) || j === 0 }).logits;
		expect(Math.max(...logits.map((v, i) => Math.abs(v - reference[i])))).toBeLessThan(1e-4);
		const plain = await engine.sequence().prefill(ids, { allLogits: true });
		expect(Math.max(...logits.map((v, i) => Math.abs(v - plain[i])))).toBeGreaterThan(1e-3);
	});

	it('draws random control heads outside the masked set, reproducibly', () => {
		const a = randomHeads(3, 4, 5, [[0, 0], [1, 1]], 7);
		expect(a).toHaveLength(5);
		expect(a.some(([l, h]) => (l === 0 && h === 0) || (l === 1 && h === 1))).toBe(false);
		expect(randomHeads(3, 4, 5, [[0, 0], [1, 1]], 7)).toEqual(a);
	});
});

describe('perplexity by position', () => {
	it('is exp of the mean negative log-likelihood per bucket', () => {
		// Vocabulary of 2, uniform logits: NLL = ln 2 everywhere, perplexity 2.
		const nll = nllPerToken(new Float32Array(8), [0, 1, 0, 1], 2);
		expect(Array.from(nll).map((x) => +x.toFixed(12))).toEqual([Math.log(2), Math.log(2), Math.log(2)].map((x) => +x.toFixed(12)));
		expect(perplexityByPosition(nll, 2).map((b) => [b.start, b.end, +b.perplexity.toFixed(9)])).toEqual([
			[1, 2, 2],
			[3, 3, 2]
		]);
		// Logits (ln 3, 0): p(token 0) = 3/4 → NLL ln(4/3).
		expect(nllPerToken(Float32Array.of(Math.log(3), 0, 0, 0), [5, 0], 2)[0]).toBeCloseTo(Math.log(4 / 3), 6);
	});
});

describe('head-pattern classification (MInference shapes)', () => {
	it('a local head fits the A-shape; a head reading one distant column fits vertical-slash', () => {
		const config = parseConfig(fixtureModel().config);
		const T = 300;
		const collector = headPatternCollector(config);
		const probs = new Float32Array(config.heads * T * T);
		for (let t = 0; t < T; t++) {
			// Heads 0–1: attend to themselves. Heads 2–3: attend to key 100 once it exists.
			probs[(0 * T + t) * T + t] = 1;
			probs[(1 * T + t) * T + t] = 1;
			const column = t >= 100 ? 100 : t;
			probs[(2 * T + t) * T + column] = 1;
			probs[(3 * T + t) * T + column] = 1;
		}
		const positions = Int32Array.from({ length: T }, (_, i) => i);
		collector.hooks.observe!({ config, layer: 0, phase: 'prefill', queryPositions: positions, keyPositions: [positions, positions], slots: T, callPositions: Int32Array.from({ length: T }, (_, i) => i), rowOffset: 0, window: null } as LayerContext, probs);
		const [layer] = collector.result();
		expect(layer[0].best).toBe('a-shape');
		expect(layer[0].recall['a-shape']).toBeCloseTo(1, 9);
		expect(layer[2].best).toBe('vertical-slash');
		expect(layer[2].recall['vertical-slash']).toBeCloseTo(1, 9);
		// Rows 228–299 (t − 100 ≥ 128, outside the local window) lose their mass under the A-shape.
		expect(layer[2].recall['a-shape']).toBeCloseTo(228 / T, 9);
	});
});

describe('needle grid', () => {
	it('fills every length × depth cell and leaves lengths the task cannot fit empty', async () => {
		const model = fixtureModel({ seed: 2 });
		const engine = await Engine.load(model.config, model.safetensors);
		const base = { ...defaultExperiment(catalog), task: { id: 'niah', params: { keys: 2, values: 1, haystack: 'repeat', template: 'compact' } } };
		const cells = await needleGrid(engine, base, [64, 300], [0, 1], 2);
		expect(cells.map((c) => [c.length, c.depth, c.total])).toEqual([
			[64, 0, 0],
			[64, 1, 0],
			[300, 0, 2],
			[300, 1, 2]
		]);
		expect(cells.every((c) => c.correct <= c.total)).toBe(true);
	});
});
