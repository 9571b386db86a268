import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Runtime } from '$lib/engine/runtime';
import { parseConfig } from '$lib/engine/config';
import { Engine } from '$lib/engine/engine';
import type { LayerContext, MaskContext } from '$lib/engine/hooks';
import { composeHooks } from '$lib/engine/compose';
import { referenceForward } from '$lib/engine/reference';
import { parseSafetensors } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { positionSchemes } from '$lib/techniques/registry';
import { fixtureModel } from '../fixtures/fixture-model';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
	expect(a.length).toBe(b.length);
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
};

function oracleFor(model: { config: unknown; safetensors: Uint8Array }) {
	const config = parseConfig(model.config);
	return { config, weights: loadWeights(parseSafetensors(model.safetensors), config) };
}

const PROMPT = [256, 72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100, 33, 10, 84, 104, 101, 32, 112, 97, 115, 115];

describe('engine vs reference (fixture model, GQA)', () => {
	const model = fixtureModel({ seed: 3 });
	const { config, weights } = oracleFor(model);
	let engine: Engine;
	beforeAll(async () => {
		engine = await Engine.load(model.config, model.safetensors);
	});

	it('matches logits and every layer\'s attention probabilities on prefill (≤ 1e-4)', async () => {
		const reference = referenceForward(config, weights, PROMPT);
		const seen: Float32Array[] = [];
		const seq = engine.sequence({ observe: (_ctx, probs) => seen.push(probs.slice()) });
		const logits = await seq.prefill(PROMPT, { allLogits: true });
		expect(maxAbsDiff(logits, reference.logits)).toBeLessThan(1e-4);
		expect(seen).toHaveLength(config.layers);
		seen.forEach((probs, layer) => expect(maxAbsDiff(probs, reference.probs[layer])).toBeLessThan(1e-4));
	});

	it('decodes with the KV cache exactly as a full recompute, step after step', async () => {
		const seq = engine.sequence();
		let logits = await seq.prefill(PROMPT.slice(0, 5));
		const V = config.vocabSize;
		for (let t = 5; t < PROMPT.length; t++) {
			const full = referenceForward(config, weights, PROMPT.slice(0, t)).logits.subarray((t - 1) * V, t * V);
			expect(maxAbsDiff(logits, full)).toBeLessThan(1e-4);
			logits = await seq.step(PROMPT[t]);
		}
	});

	it('gives the same result for chunked and one-shot prefill', async () => {
		const oneShot = await engine.sequence().prefill(PROMPT, { allLogits: true });
		for (const chunkSize of [1, 4, 7]) {
			const chunked = await engine.sequence().prefill(PROMPT, { allLogits: true, chunkSize });
			expect(maxAbsDiff(chunked, oneShot)).toBeLessThan(1e-5);
		}
	});

	it('after keep(indices), decodes as the reference with the dropped keys masked', async () => {
		const seq = engine.sequence();
		const prompt = PROMPT.slice(0, 16);
		await seq.prefill(prompt);
		// Different tokens per layer and head: what a head-wise eviction policy produces.
		const kept = (layer: number, kvHead: number) => prompt.map((_, j) => j).filter((j) => j === 0 || j === 15 || (j + layer + kvHead) % 3 === 0);
		for (let layer = 0; layer < config.layers; layer++) for (let h = 0; h < config.kvHeads; h++) seq.cache.keep(layer, h, kept(layer, h));
		const group = config.heads / config.kvHeads;
		// Prompt tokens were computed with every key; only the new queries lose the dropped ones.
		const allowed = (layer: number, head: number, i: number, j: number) =>
			i < prompt.length || j >= prompt.length || kept(layer, Math.floor(head / group)).includes(j);
		const ids = [...prompt];
		for (const next of [65, 66, 67]) {
			const logits = await seq.step(next);
			ids.push(next);
			const reference = referenceForward(config, weights, ids, { allowed }).logits;
			const V = config.vocabSize;
			expect(maxAbsDiff(logits, reference.subarray((ids.length - 1) * V))).toBeLessThan(1e-4);
		}
		expect(seq.cache.lengths()[0][0]).toBe(kept(0, 0).length + 3);
	});

	it('shows observeScores each call\'s logits before attentionMask, computed once for both, without changing attention', async () => {
		const order: string[] = [];
		let observed: Float32Array | undefined;
		const seq = engine.sequence({
			observeScores: (ctx) => {
				order.push(`scores ${ctx.layer}`);
				observed = ctx.scores();
			},
			attentionMask: (ctx) => {
				order.push(`mask ${ctx.layer}`);
				expect(ctx.scores()).toBe(observed);
				return undefined;
			}
		});
		const logits = await seq.prefill(PROMPT, { allLogits: true });
		expect(order).toEqual(['scores 0', 'mask 0', 'scores 1', 'mask 1']);
		expect(logits).toEqual(await engine.sequence().prefill(PROMPT, { allLogits: true }));
	});

	it('reads a prompt through the first layers only, and the sequence then refuses to go on', async () => {
		const layers: number[] = [];
		const seq = engine.sequence({ observeScores: (ctx) => layers.push(ctx.layer) });
		await seq.prefillThrough(PROMPT, 0, { chunkSize: 10 });
		expect(layers).toEqual([0, 0, 0]);
		expect(seq.cache.lengths()).toEqual([
			[PROMPT.length, PROMPT.length],
			[0, 0]
		]);
		await expect(seq.step(65)).rejects.toThrow(/read its prompt through layer 0 only; it cannot continue/);
		await expect(engine.sequence().prefillThrough(PROMPT, config.layers)).rejects.toThrow(/Layer 2 does not exist: the model has layers 0–1/);
	});

	it('reports resident KV bytes and the bytes a decode step reads', async () => {
		const seq = engine.sequence();
		await seq.prefill(PROMPT);
		const perToken = 2 * config.layers * config.kvHeads * config.headDim * 4;
		expect(seq.cache.residentBytes()).toBe(PROMPT.length * perToken);
		await seq.step(65);
		expect(seq.bytesReadLastStep).toBe((PROMPT.length + 1) * perToken);
		// A pattern that lets the new query see only 3 keys reads only those.
		const windowed = engine.sequence({
			attentionMask: (ctx) => ({
				mask: Uint8Array.from({ length: ctx.queryPositions.length * ctx.slots }, (_, i) => {
					const s = i % ctx.slots;
					return ctx.queryPositions[Math.floor(i / ctx.slots)] - ctx.keyPositions[0][s] < 3 ? 1 : 0;
				}),
				perHead: false
			})
		});
		await windowed.prefill(PROMPT);
		await windowed.step(65);
		expect(windowed.bytesReadLastStep).toBe(3 * perToken);
	});
});

describe('other architectures and formats', () => {
	it.each(['alibi', 'none'] as const)('runs %s positions as the reference does', async (positionEncoding) => {
		const model = fixtureModel({ seed: 5, positionEncoding, kvHeads: 4, tied: true, layers: 1 });
		const { config, weights } = oracleFor(model);
		const engine = await Engine.load(model.config, model.safetensors);
		const logits = await engine.sequence().prefill(PROMPT, { allLogits: true });
		expect(maxAbsDiff(logits, referenceForward(config, weights, PROMPT).logits)).toBeLessThan(1e-4);
	});

	it("takes ALiBi as a position plan: a NoPE model given the slopes by a hook runs exactly as the ALiBi model", async () => {
		const options = { seed: 5, kvHeads: 4, tied: true, layers: 1 } as const;
		const alibiModel = fixtureModel({ ...options, positionEncoding: 'alibi' });
		const nopeModel = fixtureModel({ ...options, positionEncoding: 'none' });
		const alibiEngine = await Engine.load(alibiModel.config, alibiModel.safetensors);
		const nopeEngine = await Engine.load(nopeModel.config, nopeModel.safetensors);
		const scheme = positionSchemes.find((s) => s.id === 'alibi')!;
		const native = await alibiEngine.sequence().prefill(PROMPT, { allLogits: true });
		const planned = await nopeEngine.sequence({ positions: (ctx) => scheme.plan({}, alibiEngine.config, ctx) }).prefill(PROMPT, { allLogits: true });
		expect(planned).toEqual(native);
		const { config, weights } = oracleFor(nopeModel);
		const slopes = scheme.plan({}, config, {} as LayerContext)!.slopes!;
		expect(maxAbsDiff(planned, referenceForward(config, weights, PROMPT, { slopes }).logits)).toBeLessThan(1e-4);
		expect(await alibiEngine.sequence({ positions: (ctx) => scheme.plan({}, alibiEngine.config, ctx) }).prefill(PROMPT, { allLogits: true })).toEqual(native);
	});

	it.each([
		['F16', 2e-2],
		['BF16', 1e-1]
	] as const)('loads %s weights like f32 within the dtype tolerance', async (dtype, tolerance) => {
		const f32 = fixtureModel({ seed: 7 });
		const low = fixtureModel({ seed: 7, dtype });
		expect(low.safetensors.byteLength).toBeLessThan(f32.safetensors.byteLength * 0.6);
		const a = await (await Engine.load(f32.config, f32.safetensors)).sequence().prefill(PROMPT);
		const b = await (await Engine.load(low.config, low.safetensors)).sequence().prefill(PROMPT);
		const scale = Math.max(...a.map(Math.abs));
		expect(maxAbsDiff(a, b) / scale).toBeLessThan(tolerance);
	});

	it('moves keys to other positions through the positions hook, as the reference does', async () => {
		const model = fixtureModel({ seed: 9 });
		const { config, weights } = oracleFor(model);
		const engine = await Engine.load(model.config, model.safetensors);
		// Shift every position by 100: relative distances, hence the output, must not change …
		const shifted = await engine
			.sequence({ positions: (ctx) => ({ query: Float64Array.from(ctx.queryPositions, (p) => p + 100), keys: (_h, original) => Float64Array.from(original, (p) => p + 100) }) })
			.prefill(PROMPT, { allLogits: true });
		expect(maxAbsDiff(shifted, referenceForward(config, weights, PROMPT).logits)).toBeLessThan(1e-3);
		// … while compressing positions by 2 matches the reference run at positions i/2.
		const halved = await engine
			.sequence({ positions: (ctx) => ({ query: Float64Array.from(ctx.queryPositions, (p) => p / 2), keys: (_h, original) => Float64Array.from(original, (p) => p / 2) }) })
			.prefill(PROMPT, { allLogits: true });
		const reference = referenceForward(config, weights, PROMPT, { positions: PROMPT.map((_, i) => i / 2) });
		expect(maxAbsDiff(halved, reference.logits)).toBeLessThan(1e-4);
	});
});

describe('stories260k (a real pretrained Llama nobody here trained)', () => {
	const dir = 'tests/fixtures/stories260k';
	const model = { config: JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')), safetensors: new Uint8Array(readFileSync(`${dir}/model.safetensors`)) };
	const { config, weights } = oracleFor(model);
	const argmax = (x: Float32Array) => x.reduce((best, v, i) => (v > x[best] ? i : best), 0);

	it('decodes greedily from BOS identically with the cache, chunked, and in the reference', async () => {
		const engine = await Engine.load(model.config, model.safetensors);
		const seq = engine.sequence();
		const ids = [config.bosTokenId!];
		let logits = await seq.prefill(ids);
		while (ids.length < 40) {
			ids.push(argmax(logits));
			logits = await seq.step(ids[ids.length - 1]);
		}
		const reference = referenceForward(config, weights, ids).logits;
		const V = config.vocabSize;
		for (let t = 1; t < ids.length; t++) expect(argmax(reference.subarray((t - 1) * V, t * V))).toBe(ids[t]);
		const chunked = await engine.sequence().prefill(ids, { chunkSize: 9, allLogits: true });
		expect(maxAbsDiff(chunked, reference)).toBeLessThan(1e-4);
		// A trained model is not random: greedy text from BOS repeats far less than chance.
		expect(new Set(ids).size).toBeGreaterThan(10);
	});
});

describe('logits computed ahead for a mask', () => {
	it('gives the rows a mask asks for ahead as the engine computes them itself, and covers every party’s rows', async () => {
		const model = fixtureModel({ seed: 4 });
		const engine = await Engine.load(model.config, model.safetensors);
		let worst = 0;
		let compared = 0;
		const ahead = (from: number, to: number) => ({
			scoreRowsAhead: (ctx: LayerContext) => (ctx.phase === 'prefill' ? { from: ctx.queryPositions.length - from, to: ctx.queryPositions.length - to } : null)
		});
		const reader = {
			attentionMask: (ctx: MaskContext) => {
				if (ctx.phase !== 'prefill') return undefined;
				const T = ctx.queryPositions.length;
				// Rows T − 5 … T − 1 of each head, ahead (onnxruntime) and from the engine's own logits.
				const rows = ctx.scoreRows!(T - 5, T);
				const all = ctx.scores();
				for (let h = 0; h < engine.config.heads; h++) {
					for (let t = 0; t < 5; t++) worst = Math.max(worst, maxAbsDiff(rows.subarray((h * 5 + t) * ctx.slots, (h * 5 + t + 1) * ctx.slots), all.subarray((h * T + T - 5 + t) * ctx.slots, (h * T + T - 4 + t) * ctx.slots)));
				}
				compared++;
				return undefined;
			}
		};
		const computedAhead = vi.spyOn(Runtime.prototype, 'scores');
		// Two parties, rows [T − 5, T − 2) and [T − 3, T): together the five rows the mask reads.
		await engine.sequence(composeHooks(ahead(5, 2), ahead(3, 0), reader)).prefill(PROMPT, { chunkSize: 8 });
		const calls = engine.config.layers * Math.ceil(PROMPT.length / 8);
		expect(compared).toBe(calls);
		expect(computedAhead).toHaveBeenCalledTimes(calls);
		computedAhead.mockRestore();
		expect(worst).toBeLessThan(1e-5);
		await engine.release();
	});
});
