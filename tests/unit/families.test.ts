/**
 * Each real family's tiny model (tests/fixtures/families.ts) runs in the engine as the plain
 * reference computes it: logits and every layer's attention, cached decode against a
 * recompute, chunked prefill against one shot.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { blockSpec } from '$lib/engine/block';
import { parseConfig } from '$lib/engine/config';
import { Engine } from '$lib/engine/engine';
import { referenceForward } from '$lib/engine/reference';
import { parseSafetensors } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { kvFootprint } from '$lib/techniques/kv-runtime';
import { kvPolicies } from '$lib/techniques/registry';
import { familyModel, type FamilyName } from '../fixtures/families';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
	expect(a.length).toBe(b.length);
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
};

/** Longer than every fixture's sliding window, so windows cut in prefill and in decode. */
const PROMPT = [1, 17, 42, 99, 5, 63, 28, 77, 11, 120, 64, 3, 88, 31];
const DECODED = [7, 55, 101, 19];

/** Families and what each fixture's config makes of its layers' windows. */
const CASES: { family: FamilyName; windows: (number | null)[] }[] = [
	{ family: 'mistral', windows: [5, 5, 5] },
	{ family: 'qwen2', windows: [null, 4, 4] }
];

describe.each(CASES)('$family', ({ family, windows }) => {
	const model = familyModel(family, { seed: 5 });
	const config = parseConfig(model.config);
	const weights = loadWeights(parseSafetensors(model.safetensors), config);
	let engine: Engine;
	const diffs: Record<string, number> = {};
	beforeAll(async () => {
		engine = await Engine.load(model.config, model.safetensors);
	});

	it("reads each layer's sliding window from the config", () => {
		expect(blockSpec(config).layers.map((layer) => layer.window)).toEqual(windows);
	});

	it("matches the reference's logits and every layer's attention probabilities (≤ 1e-4)", async () => {
		const reference = referenceForward(config, weights, PROMPT);
		const seen: Float32Array[] = [];
		const logits = await engine.sequence({ observe: (_ctx, probs) => seen.push(probs.slice()) }).prefill(PROMPT, { allLogits: true });
		diffs.logits = maxAbsDiff(logits, reference.logits);
		expect(diffs.logits).toBeLessThan(1e-4);
		expect(seen).toHaveLength(config.layers);
		seen.forEach((probs, layer) => {
			diffs[`probs ${layer}`] = maxAbsDiff(probs, reference.probs[layer]);
			expect(diffs[`probs ${layer}`]).toBeLessThan(1e-4);
		});
		// A sliding layer gives no weight outside its window: the last row's first keys get none.
		windows.forEach((window, layer) => {
			if (window === null) return;
			const T = PROMPT.length;
			const lastRow = reference.probs[layer].subarray((T - 1) * T, T * T);
			expect(Array.from(lastRow.subarray(0, T - window)).every((p) => p === 0)).toBe(true);
			expect(lastRow[T - window]).toBeGreaterThan(0);
		});
	});

	it('decodes with the cache as a full recompute does, step after step', async () => {
		const seq = engine.sequence();
		let logits = await seq.prefill(PROMPT);
		const ids = [...PROMPT];
		const V = config.vocabSize;
		for (const next of DECODED) {
			const full = referenceForward(config, weights, ids).logits.subarray((ids.length - 1) * V);
			diffs.decode = Math.max(diffs.decode ?? 0, maxAbsDiff(logits, full));
			logits = await seq.step(next);
			ids.push(next);
		}
		expect(diffs.decode).toBeLessThan(1e-4);
	});

	it("holds window − 1 keys on a sliding layer between steps and reads its window, as the KV chart says", async () => {
		const full = kvPolicies.find((p) => p.keepsAll)!;
		const bytesPerToken = config.layers * config.kvHeads * config.headDim * 2 * 4;
		const seq = engine.sequence();
		const held = (n: number) => {
			expect(seq.cache.lengths()).toEqual(windows.map((w) => Array(config.kvHeads).fill(w === null ? n : Math.min(n, w - 1))));
			expect(seq.cache.residentBytes()).toBeCloseTo(kvFootprint(full, {}, config, n).resident * bytesPerToken, 6);
		};
		await seq.prefill(PROMPT);
		held(PROMPT.length);
		for (const [k, id] of DECODED.entries()) {
			await seq.step(id);
			const n = PROMPT.length + k + 1;
			held(n);
			expect(seq.bytesReadLastStep).toBeCloseTo(kvFootprint(full, {}, config, n).read * bytesPerToken, 6);
		}
	});

	it('gives the same logits for chunked and one-shot prefill', async () => {
		const oneShot = await engine.sequence().prefill(PROMPT, { allLogits: true });
		for (const chunkSize of [1, 3, 6]) {
			const chunked = await engine.sequence().prefill(PROMPT, { allLogits: true, chunkSize });
			diffs.chunked = Math.max(diffs.chunked ?? 0, maxAbsDiff(chunked, oneShot));
		}
		expect(diffs.chunked).toBeLessThan(1e-5);
		console.info(`${family}: max abs diffs`, diffs);
	});
});
