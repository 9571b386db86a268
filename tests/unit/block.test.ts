/** A block's structure, and the model's own positions, as functions of the config alone. */
import { describe, expect, it } from 'vitest';
import { blockSpec } from '$lib/engine/block';
import { parseConfig } from '$lib/engine/config';
import { callPlan, nativePlan } from '$lib/engine/positions';
import { alibiSlopes, ropeInvFreq } from '$lib/engine/rope';
import { fixtureModel } from '../fixtures/fixture-model';

const config = (overrides: Record<string, unknown> = {}) => parseConfig({ ...fixtureModel().config, ...overrides });

describe('block spec', () => {
	it('reads a Llama config: pre-norm RMSNorm with its ε, SwiGLU, no projection biases, RoPE at rope_theta in every layer', () => {
		const layer = { positions: { kind: 'rope', base: 500000, scaling: null }, window: null, scoreDivisor: Math.sqrt(8) };
		expect(blockSpec(config({ rope_theta: 500000, rms_norm_eps: 1e-6 }))).toEqual({
			norm: { kind: 'rms', eps: 1e-6 },
			biases: { qkv: false, o: false, mlp: false },
			fused: { qkv: false, gateUp: false },
			mlp: { kind: 'gated', activation: 'silu' },
			qkNorm: false,
			outputNorms: false,
			embedScale: 1,
			learnedPositions: false,
			softcap: { attention: null, final: null },
			layers: [layer, layer]
		});
	});

	it('takes biases as each family does, fused projections from the family, and positions from position_encoding', () => {
		// Qwen2 hard-codes q/k/v biases (none on o) whatever attention_bias says; Llama's attention_bias
		// also biases o_proj, and mlp_bias its MLP; Mistral and Phi-3 have none.
		expect(blockSpec(config({ model_type: 'qwen2', attention_bias: false })).biases).toEqual({ qkv: true, o: false, mlp: false });
		expect(blockSpec(config({ attention_bias: true })).biases).toEqual({ qkv: true, o: true, mlp: false });
		expect(blockSpec(config({ mlp_bias: true })).biases).toEqual({ qkv: false, o: false, mlp: true });
		expect(blockSpec(config({ model_type: 'mistral', attention_bias: true, mlp_bias: true })).biases).toEqual({ qkv: false, o: false, mlp: false });
		expect(blockSpec(config({ model_type: 'phi3' })).fused).toEqual({ qkv: true, gateUp: true });
		expect(blockSpec(config({ position_encoding: 'alibi' })).layers[0].positions).toEqual({ kind: 'alibi' });
		expect(blockSpec(config({ position_encoding: 'none' })).layers[1].positions).toEqual({ kind: 'none' });
	});
});

describe("the model's own positions", () => {
	const c = config();

	it("are a layer's RoPE frequencies at its base, ALiBi's slopes, or nothing", () => {
		expect(nativePlan(c, { positions: { kind: 'rope', base: 1e6, scaling: null }, window: null, scoreDivisor: 1 })).toEqual({ invFreq: ropeInvFreq(c.headDim, 1e6) });
		expect(nativePlan(c, { positions: { kind: 'alibi' }, window: null, scoreDivisor: 1 })).toEqual({ slopes: Float32Array.from(alibiSlopes(c.heads)) });
		expect(nativePlan(c, { positions: { kind: 'none' }, window: null, scoreDivisor: 1 })).toEqual({});
	});

	it("fill in what a hook's plan leaves out, and only that", () => {
		const own = nativePlan(c, { positions: { kind: 'rope', base: 10000, scaling: null }, window: null, scoreDivisor: 1 });
		expect(callPlan(own, undefined)).toBe(own);
		const query = Float64Array.of(3);
		expect(callPlan(own, { query, invFreq: undefined })).toEqual({ query, invFreq: own.invFreq, slopes: undefined });
		const zeros = new Float64Array(c.headDim / 2);
		expect(callPlan(own, { invFreq: zeros }).invFreq).toBe(zeros);
	});
});
