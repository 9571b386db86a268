/**
 * GPT-2 and Gemma 3 as transformers defines them. The generic family checks (engine = reference,
 * cached decode, chunked prefill) run in families.test.ts; here: their configs as published, their
 * checkpoints' naming variants, the pieces they bring (GELU's tanh approximation, the (1 + w)
 * RMSNorm, LayerNorm) against numpy's numbers, and the whole forward pass against a numpy
 * transcription of modeling_gpt2.py and modeling_gemma3.py (tests/fixtures/hf-forward.py), which
 * shares no code with the engine or its reference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { blockSpec } from '$lib/engine/block';
import { parameterCount, parseConfig, ConfigError } from '$lib/engine/config';
import { Engine, EngineError } from '$lib/engine/engine';
import { ACTIVATIONS, normalise, referenceForward } from '$lib/engine/reference';
import { roundToDtype } from '$lib/engine/dtypes';
import { parseSafetensors, writeSafetensors, type Dtype } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { defaultExperiment, catalog } from '$lib/experiment';
import { defaultValues } from '$lib/params/param-spec';
import { planMemory, RunError, runExperiment } from '$lib/experiment/run';
import { refusals } from '$lib/experiment/technique-hooks';
import { positionSchemes } from '$lib/techniques/registry';
import { findModelPreset } from '$lib/cost';
import { policyTokens } from '$lib/cost/policy';
import { familyModel } from '../fixtures/families';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
	expect(a.length).toBe(b.length);
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
};

/** The published config.json of each, as the cost model's presets hold them. */
const rawPreset = (id: string) => findModelPreset(id)!.hf;
const GPT2 = rawPreset('gpt2');
const GEMMA_270M = rawPreset('gemma-3-270m');
const GEMMA_270M_TYPES = GEMMA_270M.layer_types as string[];

describe('the pieces, against numpy', () => {
	it("GELU's tanh approximation (gelu_new, gelu_pytorch_tanh)", () => {
		// numpy: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) at x = −3, −1, −0.5, 0, 0.5, 1, 3
		const expected = [-0.0036373920817729943, -0.1588080093917233, -0.15428599017485606, 0, 0.34571400982514394, 0.8411919906082768, 2.996362607918227];
		[-3, -1, -0.5, 0, 0.5, 1, 3].forEach((x, i) => expect(ACTIVATIONS['gelu-tanh'](x)).toBeCloseTo(expected[i], 14));
	});

	it('the (1 + w) RMSNorm and LayerNorm', () => {
		const x = Float64Array.of(1, 2, 3, 4);
		// numpy: x / √(mean(x²) + 1e-6) · (1 + w), w = [0, 0.5, −0.5, 1]
		const rms = normalise('rms-offset', x, Float32Array.of(0, 0.5, -0.5, 1), null, 1e-6);
		[0.3651483473268884, 1.0954450419806652, 0.5477225209903326, 2.921186778615107].forEach((v, i) => expect(rms[i]).toBeCloseTo(v, 12));
		// numpy: (x − mean) / √(var + 1e-5) · w + b, w = [1, 1, 2, 2], b = [0, 1, 0, −1]
		const layer = normalise('layer', x, Float32Array.of(1, 1, 2, 2), Float32Array.of(0, 1, 0, -1), 1e-5);
		[-1.3416354199689269, 0.552788193343691, 0.894423613312618, 1.6832708399378538].forEach((v, i) => expect(layer[i]).toBeCloseTo(v, 12));
	});

	it("scales Gemma's embeddings by √hidden rounded to their dtype, as transformers does", () => {
		// transformers' own example: √3072 = 55.4256 becomes 55.5 in bfloat16.
		expect(roundToDtype(Math.sqrt(3072), 'BF16')).toBe(55.5);
		// numpy: float16(√640) = 25.296875, bfloat16 25.25, float32 25.298222.
		expect(roundToDtype(Math.sqrt(640), 'F16')).toBe(25.296875);
		expect(roundToDtype(Math.sqrt(640), 'BF16')).toBe(25.25);
		expect(roundToDtype(Math.sqrt(640), 'F32')).toBe(Math.fround(Math.sqrt(640)));
		const model = familyModel('gemma3');
		const asDtype = (dtype: Dtype) => loadWeights(retyped(model.safetensors, dtype), parseConfig(model.config)).embedScale;
		expect([asDtype('F32'), asDtype('BF16'), asDtype('F16')]).toEqual([Math.fround(Math.sqrt(32)), 5.65625, 5.65625]);
	});
});

/** The file with every tensor stored as `dtype`, or renamed. */
function retyped(bytes: Uint8Array, dtype?: Dtype, rename: (name: string) => string = (n) => n, extra: Record<string, number[]> = {}) {
	const file = parseSafetensors(bytes);
	const tensors = [...file.tensors.values()].map((t) => ({ name: rename(t.name), shape: t.shape, data: file.read(t.name), dtype: dtype ?? t.dtype }));
	for (const [name, shape] of Object.entries(extra)) tensors.push({ name, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)), dtype: 'F32' });
	return parseSafetensors(writeSafetensors(tensors));
}

describe('configs as published', () => {
	it('reads GPT-2 by its own field names and GPT2Config defaults', () => {
		const c = parseConfig(GPT2);
		expect(c).toMatchObject({ hiddenSize: 768, layers: 12, heads: 12, kvHeads: 12, headDim: 64, intermediateSize: 3072, maxPositions: 1024, vocabSize: 50257 });
		expect(c).toMatchObject({ norm: 'layer', normEps: 1e-5, activation: 'gelu-tanh', gatedMlp: false, positionEncoding: 'learned', tieWordEmbeddings: true, eosTokenId: 50256 });
		// The published 124M: wte + wpe + 12 × (c_attn, c_proj, c_fc, mlp.c_proj, 2 LayerNorms, all with biases) + ln_f.
		expect(parameterCount(c)).toBe(124_439_808);
		const spec = blockSpec(c);
		expect(spec.layers.every((l) => l.positions.kind === 'none' && l.window === null && l.scoreDivisor === 8)).toBe(true);
		expect(blockSpec(parseConfig({ ...GPT2, scale_attn_by_inverse_layer_idx: true })).layers.map((l) => l.scoreDivisor).slice(0, 3)).toEqual([8, 16, 24]);
		expect(blockSpec(parseConfig({ ...GPT2, scale_attn_weights: false })).layers[0].scoreDivisor).toBe(1);
		expect(parseConfig({ ...GPT2, n_inner: 1000 }).intermediateSize).toBe(1000);
	});

	it("reads Gemma 3 270M: five sliding layers at θ 10 000 to one full at θ 1 000 000, scaled by query_pre_attn_scalar", () => {
		const c = parseConfig(GEMMA_270M);
		// 170M embedding and 100M transformer parameters, as its model card says.
		expect(parameterCount(c)).toBe(268_098_176);
		const spec = blockSpec(c);
		expect(spec).toMatchObject({ norm: { kind: 'rms-offset', eps: 1e-6 }, mlp: { kind: 'gated', activation: 'gelu-tanh' }, qkNorm: true, outputNorms: true, embedScale: Math.sqrt(640) });
		expect(spec.layers.map((l) => l.window)).toEqual(GEMMA_270M_TYPES.map((t) => (t === 'sliding_attention' ? 512 : null)));
		expect(spec.layers.map((l) => (l.positions.kind === 'rope' ? l.positions.base : null))).toEqual(GEMMA_270M_TYPES.map((t) => (t === 'sliding_attention' ? 10000 : 1e6)));
		expect(spec.layers.every((l) => l.scoreDivisor === 16)).toBe(true);
		// Older configs (gemma-3-1b) give sliding_window_pattern instead of layer_types.
		const { layer_types: _, ...older } = GEMMA_270M;
		expect(blockSpec(parseConfig({ ...older, sliding_window_pattern: 6 })).layers.map((l) => l.window)).toEqual(spec.layers.map((l) => l.window));
	});

	it("reads a multimodal Gemma 3 config's text model, with Gemma3TextConfig's defaults for what it leaves out", () => {
		// google/gemma-3-4b-it's config.json, vision and rope_scaling left out.
		const c = parseConfig({
			architectures: ['Gemma3ForConditionalGeneration'], boi_token_index: 255999, eoi_token_index: 256000, eos_token_id: [1, 106], image_token_index: 262144,
			initializer_range: 0.02, mm_tokens_per_image: 256, model_type: 'gemma3', torch_dtype: 'bfloat16',
			text_config: { hidden_size: 2560, intermediate_size: 10240, model_type: 'gemma3_text', num_hidden_layers: 34, sliding_window: 1024 },
			vision_config: { hidden_size: 1152, image_size: 896, model_type: 'siglip_vision_model', num_hidden_layers: 27 }
		});
		expect(c).toMatchObject({ hiddenSize: 2560, layers: 34, heads: 8, kvHeads: 4, headDim: 256, vocabSize: 262208, queryPreAttnScalar: 256, ropeLocalTheta: 10000, eosTokenId: 1, tieWordEmbeddings: true });
		expect(c.layerTypes.filter((t) => t === 'full_attention')).toHaveLength(5);
	});

	it.each([
		[{ ...GPT2, activation_function: 'relu' }, /activation_function "relu" is not supported \(supported: silu, gelu_new, gelu_pytorch_tanh\)/],
		[{ ...GPT2, n_embd: 770 }, /hidden_size 770 is not divisible by 12 heads/],
		[{ ...GPT2, n_head: 0 }, /"n_head" too small/],
		[{ ...GEMMA_270M, use_bidirectional_attention: true }, /use_bidirectional_attention is not supported/],
		[{ ...GEMMA_270M, hidden_activation: 'gelu' }, /hidden_activation "gelu" is not supported/],
		[{ model_type: 'gemma3', text_config: { num_hidden_layers: -1 } }, /"text_config.num_hidden_layers"/]
	])('refuses what it cannot run, naming the field (%#)', (config, message) => {
		expect(() => parseConfig(config)).toThrow(ConfigError);
		expect(() => parseConfig(config)).toThrow(message);
	});
});

/** The prompt tests/fixtures/hf-forward.py ran; its numbers below. */
const PROMPT = [1, 17, 42, 99, 5, 63, 28, 77, 11, 120];

/** `python3 tests/fixtures/hf-forward.py DIR 1,17,42,99,5,63,28,77,11,120` on each fixture (seed 1). */
const NUMPY = {
	gpt2: {
		logits: [0.4634659, 0.2239167, -0.5789845, 1.691015, 0.03487664, -3.254088, 0.3131227, 1.196829],
		lastRow: [
			[6.186013e-8, 1.186898e-7, 4.829956e-6, 4.64556e-6, 2.236212e-7, 3.228729e-5, 0.00201376, 0.9979273, 1.646517e-5, 3.446962e-7],
			[0.2240453, 0.6023068, 0.1096772, 0.05880339, 0.002855389, 0.001008811, 0.001064371, 0.0002302784, 5.21321e-6, 3.342395e-6],
			[0.08064799, 0.02921955, 0.141591, 0.01903524, 0.007226102, 0.0140047, 0.5809177, 0.09812367, 0.02882062, 0.0004134493]
		]
	},
	gemma3: {
		logits: [-1.157103, -1.794509, -0.1807434, -0.7153551, 1.927418, -0.3591436, -1.8249, 1.649931],
		lastRow: [
			[0, 0, 0, 0, 0, 8.484483e-9, 0.985508, 2.724393e-6, 0.01390513, 0.0005841322],
			[0, 0, 0, 0, 0, 0.8882393, 0.04132109, 0.0003455131, 0.06872348, 0.00137059],
			[0.0006336708, 0.08724604, 0.001447523, 0.02170971, 0.0006938399, 0.5696725, 7.332782e-5, 0.0004161891, 0.01676494, 0.3013422]
		]
	},
	// The same Gemma weights with attn_logit_softcapping 5 and final_logit_softcapping 1 in its config.
	gemma3Capped: {
		logits: [-0.8270371, -0.9808931, 0.4066075, -0.959605, 0.9686326, -0.84488, -0.9860598, 0.8728235],
		lastRow: [
			[0, 0, 0, 0, 0, 0.0001596256, 0.9569813, 0.000228134, 0.04052709, 0.002103827],
			[0, 0, 0, 0, 0, 0.3364924, 0.05688083, 0.0002651817, 0.6060613, 0.0003003405],
			[0.007320816, 0.1300811, 0.01808269, 0.02085688, 0.0005977217, 0.3550391, 0.009755488, 0.01535527, 0.023449, 0.4194619]
		]
	}
};

const CASES = [
	{ name: 'gpt2', model: () => familyModel('gpt2'), numpy: NUMPY.gpt2 },
	{ name: 'gemma3', model: () => familyModel('gemma3'), numpy: NUMPY.gemma3 },
	{ name: 'gemma3, soft-capped', model: () => familyModel('gemma3', { overrides: { attn_logit_softcapping: 5.0, final_logit_softcapping: 1.0 } }), numpy: NUMPY.gemma3Capped }
];

describe.each(CASES)('$name against transformers, transcribed in numpy', ({ name, model: make, numpy }) => {
	const model = make();
	let engine: Engine;
	beforeAll(async () => {
		engine = await Engine.load(model.config, model.safetensors);
	});

	it('gives its logits and each layer\'s attention (≤ 1e-4), and so does the reference', async () => {
		const rows: Float32Array[] = [];
		const T = PROMPT.length;
		const seq = engine.sequence({ observe: (ctx, probs) => rows.push(probs.slice((T - 1) * T, T * T)) });
		const logits = await seq.prefill(PROMPT);
		const config = parseConfig(model.config);
		const reference = referenceForward(config, loadWeights(parseSafetensors(model.safetensors), config), PROMPT);
		const V = config.vocabSize;
		const diffs = {
			engine: maxAbsDiff(logits.subarray(0, 8), numpy.logits),
			reference: maxAbsDiff(reference.logits.subarray((T - 1) * V, (T - 1) * V + 8), numpy.logits),
			probs: Math.max(...numpy.lastRow.map((row, layer) => maxAbsDiff(rows[layer], row)))
		};
		expect(diffs.engine).toBeLessThan(1e-4);
		expect(diffs.reference).toBeLessThan(1e-4);
		expect(diffs.probs).toBeLessThan(1e-4);
		console.info(`${name} vs numpy: max abs diffs`, diffs);
	});
});

describe('checkpoint naming variants', () => {
	async function lastLogits(config: unknown, bytes: Uint8Array) {
		const engine = await Engine.load(config, bytes);
		const logits = await engine.sequence().prefill(PROMPT);
		await engine.release();
		return logits;
	}
	const write = (file: ReturnType<typeof retyped>) => writeSafetensors([...file.tensors.values()].map((t) => ({ name: t.name, shape: t.shape, data: file.read(t.name), dtype: t.dtype })));

	it('loads GPT-2 saved by GPT2LMHeadModel (transformer. prefix, lm_head.weight kept) as the original', async () => {
		const model = familyModel('gpt2');
		const wte = parseSafetensors(model.safetensors).read('wte.weight');
		const saved = retyped(model.safetensors, undefined, (n) => `transformer.${n}`);
		const bytes = writeSafetensors([...[...saved.tensors.values()].map((t) => ({ name: t.name, shape: t.shape, data: saved.read(t.name) })), { name: 'lm_head.weight', shape: [128, 32], data: wte }]);
		expect(await lastLogits(model.config, bytes)).toEqual(await lastLogits(model.config, model.safetensors));
	});

	it("loads a multimodal Gemma 3 checkpoint's text model (language_model.model. prefix, a vision tower beside it)", async () => {
		const model = familyModel('gemma3');
		const { model_type: _, architectures: __, ...text } = model.config;
		const wrapped = { architectures: ['Gemma3ForConditionalGeneration'], model_type: 'gemma3', text_config: { ...text, model_type: 'gemma3_text' } };
		const file = retyped(model.safetensors, undefined, (n) => `language_model.${n}`, { 'vision_tower.vision_model.encoder.layers.26.mlp.fc1.bias': [4] });
		expect(await lastLogits(wrapped, write(file))).toEqual(await lastLogits(model.config, model.safetensors));
	});
});

describe('learned positions (GPT-2)', () => {
	const model = familyModel('gpt2', { overrides: { n_positions: 12, n_ctx: 12 } });
	const config = parseConfig(model.config);

	it('refuses a context past n_positions, in the engine and before a run', async () => {
		const engine = await Engine.load(model.config, model.safetensors);
		const seq = engine.sequence();
		await seq.prefill(PROMPT);
		await seq.step(3);
		await seq.step(4);
		await expect(seq.step(5)).rejects.toThrow(EngineError);
		await expect(engine.sequence().prefill([...PROMPT, ...PROMPT])).rejects.toThrow(/positions 0–11 only \(n_positions\); position 12 is past them/);
		expect(() => planMemory(config, 10, 3)).not.toThrow();
		expect(() => planMemory(config, 10, 4)).toThrow(RunError);
		expect(() => planMemory(config, 10, 4)).toThrow(/learned positions for 12 tokens \(n_positions\)/);
	});

	it('refuses position schemes that rotate, saying why; the model\'s own positions run', () => {
		const e = defaultExperiment(catalog);
		const refused = positionSchemes.filter((s) => refusals({ ...e, pos: { id: s.id, params: {} } }, config).length > 0).map((s) => s.id);
		expect(refused).toEqual(positionSchemes.filter((s) => s.id !== 'native').map((s) => s.id));
		expect(refusals({ ...e, pos: { id: 'yarn', params: {} } }, config)[0]).toMatch(/rescales rotary positions, but this model uses learned absolute position embeddings/);
	});
});

describe('in the lab', () => {
	/** At the byte vocabulary, so a task can write the prompt. */
	const BYTES = { vocab_size: 259, bos_token_id: 256, eos_token_id: 257, tokenizer: 'bytes' };

	it.each(['gpt2', 'gemma3'] as const)('%s runs with attention sinks kept (StreamingLLM) and shows every head\'s statistics and a head\'s map', async (family) => {
		const model = familyModel(family, { overrides: BYTES });
		const engine = await Engine.load(model.config, model.safetensors);
		const { layers, heads } = engine.config;
		const option = catalog.kv.find((o) => o.id === 'streaming-llm')!;
		const experiment = { ...defaultExperiment(catalog), len: 160, kv: { id: option.id, params: defaultValues(option.params) } };
		const r = await runExperiment(engine, experiment, { analyze: true, capture: { layer: layers - 1, head: 0 }, maxNewTokens: 3 });
		for (const grid of [r.heads!.sinkMass, r.heads!.entropy, r.heads!.distance]) {
			expect(grid).toHaveLength(layers);
			expect(grid.flat()).toHaveLength(layers * heads);
			expect(grid.flat().every(Number.isFinite)).toBe(true);
		}
		expect(r.map?.residentKeys?.slice(0, 4)).toEqual([0, 1, 2, 3]);
		await engine.release();
	});
});

describe("the cost model's presets", () => {
	it('count their published parameters, and Gemma 3 holds only its window on 15 of its 18 layers', () => {
		expect(parameterCount(findModelPreset('gpt2')!.config)).toBe(124_439_808);
		const gemma = findModelPreset('gemma-3-270m')!.config;
		expect(parameterCount(gemma)).toBe(268_098_176);
		// Sliding layers keep window − 1 = 511 keys and read 512 with the new token; full layers all 32 768.
		expect(policyTokens(defaultExperiment(catalog), gemma, 32768)).toEqual({ resident: (15 * 511 + 3 * 32768) / 18, read: (15 * 512 + 3 * 32768) / 18 });
	});
});
