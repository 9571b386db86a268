import { describe, expect, it } from 'vitest';
import { parseConfig } from '$lib/engine/config';
import { Engine } from '$lib/engine/engine';
import type { LayerContext } from '$lib/engine/hooks';
import { referenceForward } from '$lib/engine/reference';
import { parseSafetensors } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { catalog, defaultExperiment } from '$lib/experiment';
import { defaultValues } from '$lib/experiment/param-spec';
import { runExperiment } from '$lib/experiment/run';
import { pruneHooks } from '$lib/techniques/prune-hooks';
import { gemFilterSelect } from '$lib/techniques/pruning/gemfilter-select';
import { tokenPruners } from '$lib/techniques/registry';
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
		const ctx = { config, layer: 0, phase: 'prefill', queryPositions: Int32Array.from({ length: T }, (_, i) => i), keyPositions: [0, 1].map(() => Int32Array.from({ length: T }, (_, i) => i)), slots: T } as LayerContext;
		hooks.observe!(ctx, probs);
		// Candidates 1–7 (7 tokens), keep round(3.5) = 4: positions 1, 3, 5, 7 by attention.
		expect(hooks.pruneTokens!(ctx)).toEqual([0, 1, 3, 5, 7, 8, 9]);
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
