import { describe, expect, it } from 'vitest';
import { parseConfig } from '$lib/engine/config';
import { Engine } from '$lib/engine/engine';
import type { LayerContext } from '$lib/engine/hooks';
import { referenceForward } from '$lib/engine/reference';
import { parseSafetensors } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { catalog, defaultExperiment } from '$lib/experiment';
import { defaultValues } from '$lib/params/param-spec';
import { runExperiment } from '$lib/experiment/run';
import { pruneHooks, tokenCounter } from '$lib/techniques/prune-hooks';
import { stageSelection } from '$lib/techniques/pruning/lazyllm-revival';
import { refusals } from '$lib/experiment/technique-hooks';
import { HeadCache } from '$lib/engine/kv-cache';
import { composeHooks } from '$lib/engine/compose';
import { gemFilterSelect } from '$lib/techniques/pruning/gemfilter-select';
import { kvPolicies, tokenPruners } from '$lib/techniques/registry';
import { fixtureModel } from '../fixtures/fixture-model';

const pruner = (id: string) => tokenPruners.find((p) => p.id === id)!;
const model = fixtureModel({ seed: 17 });
const config = parseConfig(model.config);

describe('pruner schedules', () => {
	it('FastV prunes once after layer K − 1; PyramidDrop keeps λ, λ², … of the candidates', () => {
		expect(pruner('fastv').stages({ k: 2, r: 0.75 }, config)).toEqual([{ afterLayer: 1, keepShare: 0.25 }]);
		expect(pruner('pyramid-drop').stages({ layers: [8, 16, 24], lambda: 0.5 }, config)).toEqual([
			{ afterLayer: 8, keepShare: 0.5 },
			{ afterLayer: 16, keepShare: 0.25 },
			{ afterLayer: 24, keepShare: 0.125 }
		]);
		expect(pruner('fastv').refuse!({ k: 2 }, config)).toMatch(/Cannot prune after layer 1/);
	});

	it('FastV keeps the candidates the last token attends to most, plus the protected ends', () => {
		const T = 10;
		const lastRow = [0.01, 0.3, 0.02, 0.25, 0.03, 0.2, 0.04, 0.1, 0.05, 0];
		const probs = new Float32Array(config.heads * T * T);
		for (let h = 0; h < config.heads; h++) lastRow.forEach((p, s) => (probs[(h * T + T - 1) * T + s] = p));
		const hooks = pruneHooks(pruner('fastv'), { k: 1, r: 0.5, keep_first: 1, keep_last: 2 }, config);
		const ctx = { config, layer: 0, phase: 'prefill', queryPositions: Int32Array.from({ length: T }, (_, i) => i), keyPositions: [0, 1].map(() => Int32Array.from({ length: T }, (_, i) => i)), slots: T, callPositions: Int32Array.from({ length: T }, (_, i) => i), rowOffset: 0, window: null } as LayerContext;
		hooks.observe!(ctx, probs);
		// Candidates 1–7 (7 tokens), keep round(3.5) = 4: positions 1, 3, 5, 7 by attention.
		expect(hooks.pruneTokens!(ctx, new Float32Array(T * config.hiddenSize))).toEqual([0, 1, 3, 5, 7, 8, 9]);
	});
});

describe('pruning in the engine', () => {
	const weights = loadWeights(parseSafetensors(model.safetensors), config);
	const prompt = Array.from({ length: 40 }, (_, i) => (i * 29 + 5) % 256);

	it('pruned tokens never reappear in later layers, and the last token sees exactly the survivors', async () => {
		const engine = await Engine.load(model.config, model.safetensors);
		const params = { ...defaultValues(pruner('fastv').params), k: 1, r: 0.6, keep_last: 8 };
		const seq = engine.sequence(pruneHooks(pruner('fastv'), params, config));
		const logits = await seq.prefill(prompt);
		const survivors = Array.from(seq.cache.head(1, 0).positions.subarray(0, seq.cache.head(1, 0).length));
		expect(seq.cache.head(0, 0).length).toBe(40);
		// Candidates 1…31 (31 tokens) → round(31 · 0.4) = 12 kept + 1 first + 8 last.
		expect(survivors).toHaveLength(21);
		expect(seq.cache.head(1, 1).positions.subarray(0, 21)).toEqual(Int32Array.from(survivors));
		const reference = referenceForward(config, weights, prompt, { allowed: (l, _h, _i, j) => l < 1 || survivors.includes(j) }).logits;
		let max = 0;
		logits.forEach((v, i) => (max = Math.max(max, Math.abs(v - reference[39 * config.vocabSize + i]))));
		expect(max).toBeLessThan(1e-4);
	});

	it('GemFilter re-reads only the top-k tokens, in order, and reports the FLOPs of both passes', async () => {
		const engine = await Engine.load(model.config, model.safetensors);
		const selected = await gemFilterSelect(engine, prompt, { layer: 0, topk: 12, kernel: 5 });
		expect(selected).toHaveLength(12);
		expect([...selected].sort((a, b) => a - b)).toEqual(selected);
		const experiment = { ...defaultExperiment(catalog), model: 'fixture', len: 128, prune: { id: 'gemfilter', params: { layer: 0, topk: 20, kernel: 5 } } };
		const result = await runExperiment(engine, experiment, { maxNewTokens: 2 });
		expect(result.pruning.tokensPerLayer).toEqual([128 + 20, 20]);
		expect(result.kv.lengths[0][0]).toBe(20 + 1);
	});
});

describe('LazyLLM', () => {
	const lazy = pruner('lazyllm');
	const prompt = Array.from({ length: 40 }, (_, i) => (i * 29 + 5) % 256);

	it('keeps keep^s of the prompt after stage s, and refuses an eviction policy while reviving', () => {
		expect(lazy.stages({ layers: [1, 0], keep: 0.5 }, config)).toEqual([
			{ afterLayer: 0, keepShare: 0.5 },
			{ afterLayer: 1, keepShare: 0.25 }
		]);
		const experiment = { ...defaultExperiment(catalog), prune: { id: 'lazyllm', params: { ...defaultValues(lazy.params), layers: [0] } } };
		expect(refusals({ ...experiment, kv: { id: 'h2o', params: defaultValues(kvPolicies.find((p) => p.id === 'h2o')!.params) } }, config).join(' ')).toMatch(/revives pruned tokens/);
		expect(refusals(experiment, config)).toEqual([]);
	});

	it('a stage selects the top prunable positions by the new token’s attention', () => {
		// Positions 0…7, scores by hand; 0 and 7 are protected; keep 3 of 1…6 → 4 (0.5), 2 (0.4), 6 (0.3).
		const scores = new Map([0.9, 0.1, 0.4, 0.05, 0.5, 0.2, 0.3, 0.8].map((s, p) => [p, s]));
		expect([...stageSelection(scores, (p) => p >= 1 && p <= 6, 3)].sort()).toEqual([2, 4, 6]);
	});

	it('the cache stays in position order when a token is inserted out of order', () => {
		const head = new HeadCache(2, 2);
		const vec = (x: number) => Float32Array.of(x, -x);
		for (const p of [0, 3, 5]) head.append(vec(p), vec(p), vec(p), 0, p);
		head.append(vec(4), vec(4), vec(4), 0, 4);
		head.append(vec(1), vec(1), vec(1), 0, 1);
		expect(Array.from(head.positions.subarray(0, head.length))).toEqual([0, 1, 3, 4, 5]);
		expect(Array.from(head.values.subarray(0, 10))).toEqual([0, -0, 1, -1, 3, -3, 4, -4, 5, -5]);
	});

	it('without revival, pruned tokens never come back while decoding', async () => {
		const engine = await Engine.load(model.config, model.safetensors);
		const params = { ...defaultValues(lazy.params), layers: [0], keep: 0.5, revive: false, keep_last: 4 };
		const seq = engine.sequence(pruneHooks(lazy, params, config));
		await seq.prefill(prompt);
		const survivors = Array.from(seq.cache.head(1, 0).positions.subarray(0, seq.cache.head(1, 0).length));
		for (let step = 0; step < 4; step++) await seq.step(7);
		const after = Array.from(seq.cache.head(1, 0).positions.subarray(0, seq.cache.head(1, 0).length));
		expect(after).toEqual([...survivors, 40, 41, 42, 43]);
	});

	it('a revived token’s keys and values, at every later layer, equal those of a run that had kept it from the start', async () => {
		// Three layers: the revived tokens' layer-2 entries depend on their layer-1 attention.
		const deep = fixtureModel({ seed: 23, layers: 3 });
		const deepConfig = parseConfig(deep.config);
		const engine = await Engine.load(deep.config, deep.safetensors);
		const params = { ...defaultValues(lazy.params), layers: [0], keep: 0.4, revive: true, keep_last: 4 };
		const counter = tokenCounter(deepConfig.layers);
		const lazySeq = engine.sequence(composeHooks(pruneHooks(lazy, params, deepConfig), counter.hooks));
		await lazySeq.prefill(prompt);
		const positionsAt = (seq: ReturnType<Engine['sequence']>, layer: number, h = 0) => Array.from(seq.cache.head(layer, h).positions.subarray(0, seq.cache.head(layer, h).length));
		const kept = positionsAt(lazySeq, 1);
		await lazySeq.step(7);
		const revived = positionsAt(lazySeq, 1).filter((p) => p < 40 && !kept.includes(p));
		expect(revived.length).toBeGreaterThan(0);
		// Prefill computed every token at layer 0 and the kept ones after; decode added the revived ones.
		expect(counter.tokensPerLayer).toEqual([40, kept.length + revived.length, kept.length + revived.length]);

		// The same model keeping kept ∪ revived from the start (prefill pruning is checked against the reference above).
		const union = new Set([...kept, ...revived]);
		const keptFromStart = engine.sequence({ pruneTokens: (ctx) => (ctx.layer === 0 ? Array.from(ctx.queryPositions.keys()).filter((r) => union.has(ctx.queryPositions[r])) : undefined) });
		await keptFromStart.prefill(prompt);
		const d = deepConfig.headDim;
		for (let layer = 1; layer < deepConfig.layers; layer++) {
			for (let h = 0; h < deepConfig.kvHeads; h++) {
				const a = lazySeq.cache.head(layer, h);
				const b = keptFromStart.cache.head(layer, h);
				expect(positionsAt(lazySeq, layer, h)).toEqual([...[...union].sort((x, y) => x - y), 40]);
				let worst = 0;
				for (const p of revived) {
					const i = positionsAt(lazySeq, layer, h).indexOf(p);
					const j = positionsAt(keptFromStart, layer, h).indexOf(p);
					for (let c = 0; c < d; c++) worst = Math.max(worst, Math.abs(a.keys[i * d + c] - b.keys[j * d + c]), Math.abs(a.values[i * d + c] - b.values[j * d + c]));
				}
				expect(worst).toBeLessThan(1e-5);
			}
		}
	});
});
