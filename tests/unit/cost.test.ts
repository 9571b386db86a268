import { describe, expect, it } from 'vitest';
import { parameterCount, parseConfig } from '$lib/engine/config';
import { Engine } from '$lib/engine/engine';
import { generate } from '$lib/engine/generate';
import { HARDWARE_PRESETS, MODEL_PRESETS, costReport, decodeStep, findHardware, findModelPreset, kvBytes, prefillFlops, roofline } from '$lib/cost';
import { policyTokens } from '$lib/cost/policy';
import { catalog, defaultExperiment } from '$lib/experiment';
import { planMemory } from '$lib/experiment/run';
import { techniqueHooks } from '$lib/experiment/technique-hooks';
import { familyModel } from '../fixtures/families';
import { fixtureModel } from '../fixtures/fixture-model';

const model = (id: string) => findModelPreset(id)!.config;
const h100 = findHardware('h100')!;
const GiB = 2 ** 30;

describe('KV memory: published figures', () => {
	it('Llama-2-7B (MHA) holds 512 KiB per token: 2 GiB at 4 096 tokens in fp16', () => {
		expect(kvBytes(model('llama-2-7b'), 1, 'fp16')).toBe(512 * 1024);
		expect(kvBytes(model('llama-2-7b'), 4096, 'fp16')).toBe(2 * GiB);
	});

	it('Llama-3-8B (GQA, 8 KV heads) holds 128 KiB per token: 16 GiB at 128K tokens in fp16', () => {
		expect(kvBytes(model('llama-3-8b'), 131072, 'fp16')).toBe(16 * GiB);
		expect(kvBytes(model('llama-3-8b'), 131072, 'int4')).toBe(4 * GiB);
	});

	it('sums per-layer, per-head budgets (PyramidKV / AdaKV style)', () => {
		const config = model('lab-rope');
		const budgets = [
			[100, 50],
			[10, 20],
			[5, 5]
		];
		expect(kvBytes(config, budgets, 'fp32')).toBe(2 * 190 * config.headDim * 4);
	});

	it('parameter counts match the published sizes', () => {
		// Published: SmolLM2-135M 134.5M, Llama-3-8B 8.03B, Mistral-7B 7.24B, Qwen2.5-0.5B 0.49B.
		expect(parameterCount(model('smollm2-135m')) / 1e6).toBeCloseTo(134.5, 0);
		expect(parameterCount(model('llama-3-8b')) / 1e9).toBeCloseTo(8.03, 2);
		expect(parameterCount(model('mistral-7b')) / 1e9).toBeCloseTo(7.24, 2);
		expect(parameterCount(model('qwen2.5-0.5b')) / 1e9).toBeCloseTo(0.494, 2);
		// Model cards: Llama-3.2-1B 1.24B (1 235 814 400 in its safetensors), Phi-3-mini 3.8B (3 821 079 552).
		expect(parameterCount(model('llama-3.2-1b'))).toBe(1235814400);
		expect(parameterCount(model('phi-3-mini-4k'))).toBe(3821079552);
	});
});

describe('roofline', () => {
	it('a memory-bound decode takes bytes / bandwidth', () => {
		const step = decodeStep(model('llama-3-8b'), 4096);
		const r = roofline(step.flops, step.bytes, h100);
		expect(r.bound).toBe('memory');
		expect(r.seconds).toBe(step.bytes / h100.bandwidth);
	});

	it('the crossover intensity is peak / bandwidth, and compute-bound work takes FLOPs / peak', () => {
		const r = roofline(1e15, 1e9, h100);
		expect(r.ridge).toBe(h100.peakFlops / h100.bandwidth);
		expect(r.bound).toBe('compute');
		expect(r.seconds).toBe(1e15 / h100.peakFlops);
		// Exactly at the ridge both limits give the same time.
		const atRidge = roofline(r.ridge * 1e9, 1e9, h100);
		expect(atRidge.seconds).toBeCloseTo(1e9 / h100.bandwidth, 15);
	});

	it('prefill FLOPs: 2·P per token plus 4·L·H·d per causal entry, scaled by density', () => {
		const config = model('llama-2-7b');
		const n = 1000;
		const attention = 4 * 32 * 32 * 128 * ((n * (n + 1)) / 2);
		expect(prefillFlops(config, n, 0.5) - prefillFlops(config, n, 1)).toBeCloseTo(-attention / 2, -3);
	});

	it('concurrency and context switch follow from memory and host bandwidth', () => {
		const report = costReport(model('llama-3-8b'), h100, { tokens: 131072 });
		// 80 GB − 16.06 GB of fp16 weights leaves room for 3 sequences of 16 GiB.
		expect(report.concurrency).toBe(3);
		expect(report.contextSwitchSeconds).toBeCloseTo((16 * GiB) / 64e9, 9);
		expect(HARDWARE_PRESETS.map((h) => h.id)).toEqual(['phone', 'laptop', 'm3-max', 'rtx-4090', 'a100', 'h100']);
		expect(MODEL_PRESETS.every((p) => p.source.length > 10)).toBe(true);
	});
});

describe('analytic bytes equal the engine\'s measured bytes', () => {
	const fixture = fixtureModel({ seed: 2 });
	const config = parseConfig(fixture.config);
	const prompt = Array.from({ length: 128 }, (_, i) => (i * 31) % 256);
	const steps = 5;

	it('full attention, a sink + window pattern, and an eviction policy', async () => {
		const engine = await Engine.load(fixture.config, fixture.safetensors);
		const context = prompt.length + steps - 1;

		const full = await generate(engine, prompt, { maxNewTokens: steps });
		expect(full.kv.residentBytes).toBe(kvBytes(config, context, 'fp32'));

		// A pattern selects what is read; nothing is evicted.
		const experiment = { ...defaultExperiment(catalog), attn: { id: 'sink-window', params: { sink: 4, window: 16 } } };
		const stats = { causal: 0, kept: 0, massKept: 0, rows: 0 };
		const windowed = await generate(engine, prompt, { maxNewTokens: steps, hooks: techniqueHooks(experiment, stats, { config: engine.config }) });
		expect(windowed.kv.residentBytes).toBe(kvBytes(config, context, 'fp32'));
		expect(windowed.kv.bytesReadPerStep).toBe(kvBytes(config, 4 + 16, 'fp32'));

		// Eviction (StreamingLLM-style keep of 4 sinks + 28 recent after every step) shrinks what is resident.
		const budget = 32;
		const evicting = await generate(engine, prompt, {
			maxNewTokens: steps,
			hooks: {
				evict: ({ cache }) => {
					cache.layers.forEach((heads, l) =>
						heads.forEach((head, h) => {
							if (head.length > budget) cache.keep(l, h, [0, 1, 2, 3, ...Array.from({ length: budget - 4 }, (_, i) => head.length - (budget - 4) + i)]);
						})
					);
				}
			}
		});
		expect(evicting.kv.residentBytes).toBe(kvBytes(config, budget, 'fp32'));
		// Each step reads the budget plus the token it just appended.
		expect(evicting.kv.bytesReadPerStep).toBe(kvBytes(config, budget + 1, 'fp32'));
	});
});

describe('analytic tokens per technique (the KV chart)', () => {
	it('follows the policy budget for residence and the pattern for reads', () => {
		const config = parseConfig(fixtureModel().config); // 2 layers × 2 KV heads
		const base = defaultExperiment(catalog);
		expect(policyTokens(base, config, 1000)).toEqual({ resident: 1000, read: 1000 });
		expect(policyTokens({ ...base, attn: { id: 'sink-window', params: { sink: 4, window: 60 } } }, config, 1000)).toEqual({ resident: 1000, read: 64 });
		expect(policyTokens({ ...base, kv: { id: 'snapkv', params: { ratio: 0.75, tokens: 0 } } }, config, 1000)).toEqual({ resident: 250, read: 250 });
		expect(policyTokens({ ...base, kv: { id: 'quest', params: { budget: 64, page: 16, dense_layers: 0 } } }, config, 1000)).toEqual({ resident: 1000, read: 64 });
		// Quest's dense first layer reads everything: (1000 + 64) / 2 per layer on average.
		expect(policyTokens({ ...base, kv: { id: 'quest', params: { budget: 64, page: 16, dense_layers: 1 } } }, config, 1000)).toEqual({ resident: 1000, read: 532 });
		// PyramidKV at n = 1000, ratio 0.5, window 16, β = 20 over 2 layers: 975 and 25 (mean 500, the uniform budget).
		expect(policyTokens({ ...base, kv: { id: 'pyramidkv', params: { ratio: 0.5, tokens: 0, window: 16, beta: 20 } } }, config, 1000)).toEqual({ resident: 500, read: 500 });
		// Strided and top-k patterns read their share, not the whole cache.
		expect(policyTokens({ ...base, attn: { id: 'strided', params: { stride: 32 } } }, config, 1000).read).toBe(32 + 31);
		expect(policyTokens({ ...base, attn: { id: 'top-k', params: { k: 32, init: 4, local: 16 } } }, config, 1000).read).toBe(52);
		// One retrieval head of four keeps everything; three keep 4 + 60.
		expect(policyTokens({ ...base, kv: { id: 'duo-attention', params: { retrieval_heads: '0.0', sink: 4, recent: 60 } } }, config, 1000)).toEqual({ resident: 298, read: 298 });
	});

	it('holds window − 1 tokens on sliding layers and reads their window, under any pattern or policy', () => {
		// Qwen2's fixture: layer 0 full, layers 1 and 2 sliding with a window of 4.
		const config = parseConfig(familyModel('qwen2').config);
		const base = defaultExperiment(catalog);
		expect(policyTokens(base, config, 1000)).toEqual({ resident: (1000 + 3 + 3) / 3, read: (1000 + 4 + 4) / 3 });
		expect(policyTokens(base, config, 3)).toEqual({ resident: 3, read: 3 });
		expect(policyTokens({ ...base, attn: { id: 'window', params: { window: 10 } } }, config, 1000).read).toBe((10 + 4 + 4) / 3);
		// A budget of 2 per head applies to what the sliding layers still hold.
		expect(policyTokens({ ...base, kv: { id: 'snapkv', params: { ratio: 0.5, tokens: 2 } } }, config, 1000)).toEqual({ resident: 2, read: 2 });
	});
});

describe('presets with sliding windows (the KV chart)', () => {
	it('Mistral-7B holds the window and reads it with the new token; Phi-3-mini the same at 2 047', () => {
		const base = defaultExperiment(catalog);
		expect(policyTokens(base, model('mistral-7b'), 32768)).toEqual({ resident: 4095, read: 4096 });
		expect(policyTokens(base, model('mistral-7b'), 1000)).toEqual({ resident: 1000, read: 1000 });
		expect(policyTokens(base, model('phi-3-mini-4k'), 4096)).toEqual({ resident: 2046, read: 2047 });
	});
});

describe('memory planning before a run', () => {
	it('refuses a context whose KV cache would not fit, with the reason', () => {
		const big = findModelPreset('llama-3-8b')!.config;
		// The first place to overflow is named: one call's keys and values, widened to all 32 heads, pass wasm32's heap.
		expect(() => planMemory(big, 131072, 8)).toThrow(/^A 131080-token context needs 96\.0 GiB for its KV cache and, for each call's attention, 7\.1 GiB in onnxruntime's heap .*: 7\.1 GiB of onnxruntime's wasm32 heap, more than its 4\.0 GiB; choose a context of at most 8192 tokens, or a smaller model\.$/);
		// A small model fits, with prefill chunks small enough for the score block.
		const small = parseConfig(fixtureModel().config);
		expect(planMemory(small, 512, 8)).toBe(512);
		expect(planMemory(small, 32768, 8)).toBe(Math.floor((32 * 1024 * 1024) / (4 * 32776)));
	});
});
