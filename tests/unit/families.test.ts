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
import { parseSafetensors, writeSafetensors } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { kvFootprint } from '$lib/techniques/kv-runtime';
import { kvPolicies } from '$lib/techniques/registry';
import { FAMILIES, TINY, familyModel, type FamilyConfig, type FamilyName } from '../fixtures/families';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
	expect(a.length).toBe(b.length);
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
};

/** Longer than every fixture's sliding window, so windows cut in prefill and in decode. */
const PROMPT = [1, 17, 42, 99, 5, 63, 28, 77, 11, 120, 64, 3, 88, 31];
const DECODED = [7, 55, 101, 19];

/** Families (and variants of their configs) and what each makes of its layers' windows. */
const CASES: { name: string; family: FamilyName; overrides?: FamilyConfig; windows: (number | null)[] }[] = [
	{ name: 'llama', family: 'llama', windows: [null, null, null] },
	// attention_bias biases q, k, v and o; mlp_bias gate, up and down.
	{ name: 'llama with attention_bias and mlp_bias', family: 'llama', overrides: { attention_bias: true, mlp_bias: true }, windows: [null, null, null] },
	{ name: 'mistral', family: 'mistral', windows: [5, 5, 5] },
	{ name: 'qwen2', family: 'qwen2', windows: [null, 4, 4] },
	{ name: 'phi3', family: 'phi3', windows: [6, 6, 6] },
	{ name: 'gpt2', family: 'gpt2', windows: [null, null, null] },
	{ name: 'gemma3', family: 'gemma3', windows: [5, 5, null] }
];

describe.each(CASES)('$name', ({ name, family, overrides, windows }) => {
	const model = familyModel(family, { seed: 5, overrides });
	const config = parseConfig(model.config);
	const weights = loadWeights(parseSafetensors(model.safetensors), config);
	let engine: Engine;
	const diffs: Record<string, number> = {};
	beforeAll(async () => {
		engine = await Engine.load(model.config, model.safetensors);
	});

	it("reads each layer's sliding window from the config, and loads the biases its block has", () => {
		const spec = blockSpec(config);
		expect(spec.layers.map((layer) => layer.window)).toEqual(windows);
		const [w] = weights.layers;
		expect({ qkv: [w.qBias, w.kBias, w.vBias], o: [w.oBias], mlp: [w.gateBias, w.upBias, w.downBias] }).toEqual({
			qkv: Array(3).fill(spec.biases.qkv ? expect.any(Float32Array) : null),
			o: [spec.biases.o ? expect.any(Float32Array) : null],
			// A plain MLP (GPT-2) has no gate to bias.
			mlp: [spec.biases.mlp && spec.mlp.kind === 'gated', spec.biases.mlp, spec.biases.mlp].map((biased) => (biased ? expect.any(Float32Array) : null))
		});
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
		expect(diffs.chunked).toBeLessThan(1e-4);
		console.info(`${name}: max abs diffs`, diffs);
	});
});

describe("Phi-3's fused projections", () => {
	it('run as separate q/k/v and gate/up projections cut from their rows as Phi3Attention and Phi3MLP cut them', async () => {
		const phi3 = familyModel('phi3', { seed: 9 });
		const file = parseSafetensors(phi3.safetensors);
		const { hidden: d, heads, kvHeads, headDim, intermediate: f } = TINY;
		// qkv[..., :H·d] is q, the next Hkv·d rows k, the rest v; gate_up.chunk(2) gives gate, then up.
		const rows = (data: Float32Array, from: number, count: number) => data.slice(from * d, (from + count) * d);
		const tensors = [...file.tensors.keys()].flatMap((name) => {
			const data = file.read(name);
			const shape = file.tensors.get(name)!.shape;
			const base = name.replace(/(qkv|gate_up)_proj\.weight$/, '');
			if (name.endsWith('qkv_proj.weight')) {
				return [
					{ name: `${base}q_proj.weight`, shape: [heads * headDim, d], data: rows(data, 0, heads * headDim) },
					{ name: `${base}k_proj.weight`, shape: [kvHeads * headDim, d], data: rows(data, heads * headDim, kvHeads * headDim) },
					{ name: `${base}v_proj.weight`, shape: [kvHeads * headDim, d], data: rows(data, (heads + kvHeads) * headDim, kvHeads * headDim) }
				];
			}
			if (name.endsWith('gate_up_proj.weight')) {
				return [
					{ name: `${base}gate_proj.weight`, shape: [f, d], data: rows(data, 0, f) },
					{ name: `${base}up_proj.weight`, shape: [f, d], data: rows(data, f, f) }
				];
			}
			return [{ name, shape, data }];
		});
		// The same block with separate projections: Mistral's, at Phi-3's window.
		const mistral = { ...familyModel('mistral').config, sliding_window: phi3.config.sliding_window, rms_norm_eps: phi3.config.rms_norm_eps };
		const [fused, separate] = [phi3.config, mistral].map(parseConfig);
		const ids = PROMPT.slice(0, 10);
		const expected = referenceForward(separate, loadWeights(parseSafetensors(writeSafetensors(tensors)), separate), ids).logits;
		expect(referenceForward(fused, loadWeights(file, fused), ids).logits).toEqual(expected);
		const engine = await Engine.load(phi3.config, phi3.safetensors);
		expect(maxAbsDiff(await engine.sequence().prefill(ids, { allLogits: true }), expected)).toBeLessThan(1e-4);
	});
});

describe('configs the engine cannot run', () => {
	it.each([
		['mistral', { model_type: 'mixtral' }, /model_type "mixtral" is not supported yet \(supported: .*mistral.*phi3/],
		['llama', { hidden_act: 'mish' }, /hidden_act "mish" is not supported \(supported: silu, gelu_new, gelu_pytorch_tanh\)/],
		['qwen2', { quantization_config: { quant_method: 'gptq', bits: 4 } }, /quantization_config .* \(supported: F32, F16 and BF16 weights\)/],
		['phi3', { partial_rotary_factor: 0.75 }, /partial_rotary_factor 0.75 .* \(supported: 1, every dimension rotated\)/],
		['qwen2', { layer_types: ['full_attention', 'sliding_attention'] }, /layer_types names 2 layers, but num_hidden_layers is 3/]
	] as [FamilyName, FamilyConfig, RegExp][])('a %s config with %o is refused, naming the field', (family, overrides, message) => {
		expect(() => parseConfig({ ...FAMILIES[family].config(), ...overrides })).toThrow(message);
	});
});

describe('sliding layers, read as each family\'s transformers config class reads them', () => {
	const windows = (family: FamilyName, overrides: FamilyConfig) => blockSpec(parseConfig({ ...FAMILIES[family].config(), ...overrides })).layers.map((layer) => layer.window);
	it.each([
		// MistralConfig defaults sliding_window to 4096; null switches it off; layer_types it ignores.
		['mistral', { sliding_window: undefined }, [4096, 4096, 4096]],
		['mistral', { sliding_window: null, layer_types: ['sliding_attention', 'sliding_attention', 'sliding_attention'] }, [null, null, null]],
		// Qwen2Config drops the window unless use_sliding_window, and takes layer_types over max_window_layers.
		['qwen2', { use_sliding_window: false }, [null, null, null]],
		['qwen2', { max_window_layers: 2 }, [null, null, 4]],
		['qwen2', { sliding_window: undefined, max_window_layers: 0 }, [4096, 4096, 4096]],
		['qwen2', { layer_types: ['sliding_attention', 'full_attention', 'sliding_attention'] }, [4, null, 4]],
		['phi3', { sliding_window: null }, [null, null, null]],
		// LlamaAttention has no sliding window, whatever the config says.
		['llama', { sliding_window: 4 }, [null, null, null]]
	] as [FamilyName, FamilyConfig, (number | null)[]][])('%s with %o', (family, overrides, expected) => {
		expect(windows(family, overrides)).toEqual(expected);
	});
});
