/**
 * f16 and bf16 checkpoints run as the f32 model of the same rounded values: the engine converts
 * a graph at a time and keeps the embedding tables in their own dtype, which must change nothing
 * the model computes. Sessions that keep matrices in f16 (the WebGPU path where the device has
 * shader-f16) are built here on the WASM EP, which runs the same graphs.
 */
import { describe, expect, it } from 'vitest';
import { blockSpec } from '$lib/engine/block';
import { parseConfig } from '$lib/engine/config';
import { Engine } from '$lib/engine/engine';
import { preGraph } from '$lib/engine/graphs';
import { referenceForward } from '$lib/engine/reference';
import { Runtime } from '$lib/engine/runtime';
import { parseSafetensors, writeSafetensors, type Dtype } from '$lib/engine/safetensors';
import { loadWeights, weightReader } from '$lib/engine/weights';
import { createRng } from '$lib/random';
import { familyModel } from '../fixtures/families';
import { fixtureModel } from '../fixtures/fixture-model';

// Ids every fixture's vocabulary holds (the families' have 128 tokens).
const PROMPT = [1, 72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100, 33, 10];

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
	expect(a.length).toBe(b.length);
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
};

/** The same tensors stored as `dtype` (each value rounded to it when narrower). */
function retyped(bytes: Uint8Array, dtype: Dtype): Uint8Array {
	const file = parseSafetensors(bytes);
	return writeSafetensors([...file.tensors.values()].map((t) => ({ name: t.name, shape: t.shape, data: file.read(t.name), dtype })));
}

/** Logits of a prefill (every row) and three decode steps. */
async function run(config: unknown, safetensors: Uint8Array): Promise<Float32Array[]> {
	const engine = await Engine.load(config, safetensors);
	try {
		const seq = engine.sequence();
		const out = [await seq.prefill(PROMPT, { allLogits: true, chunkSize: 6 })];
		for (const id of [3, 4, 5]) out.push(await seq.step(id));
		return out;
	} finally {
		await engine.release();
	}
}

describe('f16 and bf16 checkpoints', () => {
	it.each([
		['Llama', 'F16', fixtureModel({ seed: 5 })],
		['Llama', 'BF16', fixtureModel({ seed: 5 })],
		// GPT-2's learned positions are a second table kept in the checkpoint's dtype.
		['GPT-2', 'BF16', familyModel('gpt2')],
		['GPT-2', 'F16', familyModel('gpt2')]
	] as const)('%s in %s runs as the f32 model of its rounded values (≤ 1e-4)', async (_family, dtype, model) => {
		const narrow = retyped(model.safetensors, dtype);
		const [got, expected] = [await run(model.config, narrow), await run(model.config, retyped(narrow, 'F32'))];
		got.forEach((logits, i) => expect(maxAbsDiff(logits, expected[i])).toBeLessThanOrEqual(1e-4));
	});

	it('Gemma 3 in bf16 (its embeddings scaled in bf16) matches the reference on the same file (≤ 1e-4)', async () => {
		const model = familyModel('gemma3');
		const narrow = retyped(model.safetensors, 'BF16');
		const config = parseConfig(model.config);
		const reference = referenceForward(config, loadWeights(parseSafetensors(narrow), config), PROMPT);
		const [logits] = await run(model.config, narrow);
		expect(maxAbsDiff(logits, reference.logits)).toBeLessThanOrEqual(1e-4);
	});
});

describe('matrices kept in f16 inside the sessions (WebGPU with shader-f16)', () => {
	it.each(['F16', 'BF16'] as const)('compute what the f32 sessions compute, from a %s checkpoint (≤ 1e-4)', async (dtype) => {
		const model = fixtureModel({ seed: 7, dtype });
		const config = parseConfig(model.config);
		const spec = blockSpec(config);
		const file = parseSafetensors(model.safetensors);
		const [f32, half] = await Promise.all(
			[false, true].map(async (keepHalf) => {
				const runtime = await Runtime.open(config, spec, 'wasm', () => {});
				await runtime.load(weightReader(file, config), keepHalf);
				return runtime;
			})
		);
		const pre = preGraph(config, spec, weightReader(file, config).layer(0), true);
		// Two bytes a weight: q [32, 32], k and v [16, 32].
		const halves = pre.externalData.filter((w) => w.path.endsWith('.f16')).map((w) => [w.path, w.data.byteLength]);
		expect(halves).toEqual([['q_proj.f16', 2 * 32 * 32], ['k_proj.f16', 2 * 16 * 32], ['v_proj.f16', 2 * 16 * 32]]);
		const rng = createRng(11);
		const rows = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
		const x = rows(5 * config.hiddenSize);
		const attn = rows(5 * config.heads * config.headDim);
		for (const layer of [0, 1]) {
			const [a, b] = [await f32.pre(layer, x), await half.pre(layer, x)];
			for (const part of ['q', 'k', 'v'] as const) expect(maxAbsDiff(b[part], a[part])).toBeLessThanOrEqual(1e-4);
			expect(maxAbsDiff(await half.post(layer, attn, x), await f32.post(layer, attn, x))).toBeLessThanOrEqual(1e-4);
		}
		expect(maxAbsDiff(await half.logits(x), await f32.logits(x))).toBeLessThanOrEqual(1e-4);
		await Promise.all([f32.release(), half.release()]);
	});
});
