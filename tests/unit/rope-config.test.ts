/**
 * RoPE scaling given in a config (issue 22): the frequencies and attention factor of each rope
 * type against transformers' formulas, the engine against the reference with each scaling on the
 * fixture model (cached decode, chunked prefill), longrope's switch of factors as transformers
 * caches it, the lab's description of a model's own positions, and how the position schemes
 * compose with a scaled model or refuse it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { blockSpec } from '$lib/engine/block';
import { ConfigError, parseConfig, type ModelConfig } from '$lib/engine/config';
import { Engine, type Sequence } from '$lib/engine/engine';
import type { LayerContext } from '$lib/engine/hooks';
import { callPlan, nativePlan } from '$lib/engine/positions';
import { referenceForward, type ReferenceOptions } from '$lib/engine/reference';
import { rotate } from '$lib/engine/rope';
import { readRopeScaling } from '$lib/engine/rope-config';
import { llama3InvFreq, longropeInvFreq, ropeFrequencies } from '$lib/engine/rope-scaling';
import { parseSafetensors } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { describeNativePositions } from '$lib/techniques/positions/native';
import { positionSchemes } from '$lib/techniques/registry';
import { fixtureModel } from '../fixtures/fixture-model';

/**
 * Printed by `python3 scripts/rope-reference.py`: a numpy transcription of transformers 5's
 * modeling_rope_utils.py (float64), written independently of our TypeScript. [pair, θ_i] pairs.
 */
const TRANSFORMERS: Record<string, { attentionFactor: number; invFreq: [number, number][] }> = {
	'llama3-8b': { attentionFactor: 1.0, invFreq: [[0, 1.0], [20, 0.016560440080994446], [25, 0.005940730375674967], [30, 0.0013718935677611381], [35, 9.556212353964683e-05], [40, 3.428102195952591e-05], [45, 1.2297638677963614e-05], [50, 4.411534674558404e-06], [63, 3.068925988914511e-07]] },
	'llama3-1b': { attentionFactor: 1.0, invFreq: [[0, 1.0], [1, 0.6636012376960885], [2, 0.44036660267178046], [3, 0.29222782257301516], [4, 0.19392274474868576], [5, 0.12868737343265052], [6, 0.08539710028576561], [7, 0.056669621445291044], [8, 0.03760603093086393], [9, 0.024955408670558694], [10, 0.016560440080994446], [11, 0.010989528534539826], [12, 0.0072926647372171085], [13, 0.004839421345719893], [14, 0.0032114459947525913], [15, 0.001290547928209264], [16, 0.00042955679655936815], [17, 9.70828780262767e-05], [18, 1.9461638184831125e-05], [19, 1.291476718704739e-05], [20, 8.570255489881478e-06], [21, 5.687232150457047e-06], [22, 3.7740542941082826e-06], [23, 2.5044671007024935e-06], [24, 1.661967467795309e-06], [25, 1.102883668639601e-06], [26, 7.318749675440419e-07], [27, 4.856731343010108e-07], [28, 3.2229329303788936e-07], [29, 2.138742281610915e-07], [30, 1.4192720251899592e-07], [31, 9.418306725434911e-08]] },
	'yarn-qwen': { attentionFactor: 1.138629436111989, invFreq: [[0, 1.0], [10, 0.11547819846894583], [15, 0.03924189758484536], [20, 0.01333521432163324], [25, 0.004131738022518394], [30, 0.0010643609812470017], [35, 0.0002462584069089387], [40, 4.445698525097307e-05], [63, 3.102344401879299e-07]] },
	'yarn-deepseek': { attentionFactor: 1.0, invFreq: [[0, 1.0], [5, 0.23713737056616555], [10, 0.056234132519034905], [15, 0.008334508951020777], [20, 0.0007905694150420947], [25, 1.8747355233311396e-05], [31, 3.33380358040831e-06]] },
	'yarn-mscale': { attentionFactor: 1.0569662567531275, invFreq: [[0, 1.0], [31, 3.33380358040831e-06]] },
	'yarn-untruncated': { attentionFactor: 1.3465735902799727, invFreq: [[0, 1.0], [1, 0.6890443058881633], [2, 0.4747820554769007], [3, 0.3271458718642365], [4, 0.2254180002028708], [5, 0.15532298948448497], [6, 0.10702442147781144], [7, 0.07374456821026082], [8, 0.050813274815461475], [9, 0.03170569618466377], [10, 0.019335001126540362], [11, 0.011592049256286924], [12, 0.006794959489732219], [13, 0.0038603593171920685], [14, 0.0020937923789696887], [15, 0.0010526021013863359], [16, 0.00045648391922324086], [17, 0.00012931870124506317], [18, 3.8308812373753384e-05], [19, 2.6396469031472782e-05], [20, 1.818833668168956e-05], [21, 1.2532569824095001e-05], [22, 8.63549587543848e-06], [23, 5.950239261491605e-06], [24, 4.0999784818029795e-06], [25, 2.8250668271503398e-06], [26, 1.9465962110014815e-06], [27, 1.3412910350540445e-06], [28, 9.242089502428301e-07], [29, 6.36820914615699e-07], [30, 4.387978250864396e-07], [31, 3.0235114281192144e-07]] },
	'yarn-tiny': { attentionFactor: 1.25, invFreq: [[0, 1.0], [1, 0.19764235376052372], [2, 0.025], [3, 0.007905694150420948], [4, 0.0025], [5, 0.000790569415042095], [6, 0.00025], [7, 7.905694150420948e-05]] },
	'longrope-short': { attentionFactor: 1.1902380714238083, invFreq: [[0, 1.0], [1, 0.8172318666019984], [10, 0.13343629705655174], [47, 8.241684752575433e-05]] },
	'longrope-long': { attentionFactor: 1.1902380714238083, invFreq: [[0, 1.0], [1, 0.5502694568453457], [10, 0.02446332112703449], [47, 4.94501085154526e-06]] },
	linear: { attentionFactor: 1.0, invFreq: [[0, 0.25], [1, 0.07905694150420949], [2, 0.025], [3, 0.007905694150420948], [4, 0.0025], [5, 0.000790569415042095], [6, 0.00025], [7, 7.905694150420948e-05]] },
	'dynamic-within': { attentionFactor: 1.0, invFreq: [[0, 1.0], [1, 0.31622776601683794], [2, 0.1], [3, 0.03162277660168379], [4, 0.01], [5, 0.00316227766016838], [6, 0.001], [7, 0.00031622776601683794]] },
	'dynamic-100': { attentionFactor: 1.0, invFreq: [[0, 1.0], [1, 0.2839451388482507], [2, 0.08062484187555237], [3, 0.02289303192097197], [4, 0.0065003651274578205], [5, 0.0018457470786803376], [6, 0.0005240909105346416], [7, 0.0001488130663608649]] },
	'dynamic-llama2': { attentionFactor: 1.0, invFreq: [[1, 0.8509942913412162], [63, 3.849273282298194e-05]] }
};

// The script's Phi-3-like made-up factors (48 pairs).
const SHORT = Array.from({ length: 48 }, (_, i) => 1 + 0.01 * i);
const LONG = Array.from({ length: 48 }, (_, i) => 1 + 0.5 * i);

/** A config.json with the given geometry and fields (one layer: the frequencies are per layer). */
const hf = (headDim: number, fields: Record<string, unknown>) => ({
	model_type: 'llama',
	hidden_size: headDim * 4,
	num_hidden_layers: 1,
	num_attention_heads: 4,
	head_dim: headDim,
	intermediate_size: 64,
	vocab_size: 300,
	...fields
});

const CONFIGS: Record<string, { config: Record<string, unknown>; seqLen?: number }> = {
	'llama3-8b': { config: hf(128, { max_position_embeddings: 131072, rope_theta: 500000, rope_scaling: { factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192, rope_type: 'llama3' } }) },
	'llama3-1b': { config: hf(64, { max_position_embeddings: 131072, rope_theta: 500000, rope_scaling: { factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192, rope_type: 'llama3' } }) },
	'yarn-qwen': { config: hf(128, { model_type: 'qwen2', max_position_embeddings: 32768, rope_theta: 1000000, rope_scaling: { factor: 4, original_max_position_embeddings: 32768, type: 'yarn' } }) },
	'yarn-deepseek': {
		config: hf(64, { max_position_embeddings: 163840, rope_scaling: { type: 'yarn', factor: 40, original_max_position_embeddings: 4096, beta_fast: 32, beta_slow: 1, mscale: 0.707, mscale_all_dim: 0.707 } })
	},
	'yarn-mscale': { config: hf(64, { max_position_embeddings: 163840, rope_scaling: { type: 'yarn', factor: 40, original_max_position_embeddings: 4096, mscale: 1, mscale_all_dim: 0.8 } }) },
	// transformers 5 layout: rope_parameters, with rope_theta inside.
	'yarn-untruncated': { config: hf(64, { max_position_embeddings: 131072, rope_parameters: { rope_type: 'yarn', rope_theta: 150000, factor: 32, original_max_position_embeddings: 4096, beta_fast: 32, beta_slow: 1, truncate: false } }) },
	'yarn-tiny': { config: hf(16, { max_position_embeddings: 256, rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 64, beta_fast: 8, beta_slow: 2, attention_factor: 1.25 } }) },
	// Phi-3 keeps the pretraining length at the top level.
	'longrope-short': { config: hf(96, { max_position_embeddings: 131072, original_max_position_embeddings: 4096, rope_scaling: { type: 'longrope', short_factor: SHORT, long_factor: LONG } }), seqLen: 4096 },
	'longrope-long': { config: hf(96, { max_position_embeddings: 131072, original_max_position_embeddings: 4096, rope_scaling: { type: 'longrope', short_factor: SHORT, long_factor: LONG } }), seqLen: 4097 },
	linear: { config: hf(16, { rope_scaling: { type: 'linear', factor: 4 } }) },
	'dynamic-within': { config: hf(16, { max_position_embeddings: 64, rope_scaling: { type: 'dynamic', factor: 2 } }), seqLen: 64 },
	'dynamic-100': { config: hf(16, { max_position_embeddings: 64, rope_scaling: { type: 'dynamic', factor: 2 } }), seqLen: 100 },
	'dynamic-llama2': { config: hf(128, { max_position_embeddings: 4096, rope_scaling: { rope_type: 'dynamic', factor: 2 } }), seqLen: 8192 }
};

/** The model's own plan for layer 0 in a pass of seqLen: its frequencies and attention factor. */
function own(config: ModelConfig, seqLen?: number) {
	const plan = nativePlan(config, blockSpec(config).layers[0], seqLen);
	return { invFreq: plan.invFreq!, attentionFactor: Math.sqrt(plan.logitScale ?? 1) };
}

describe('rope scaling from a config = transformers modeling_rope_utils', () => {
	it.each(Object.keys(TRANSFORMERS))('%s', (name) => {
		const { config, seqLen } = CONFIGS[name];
		const ours = own(parseConfig(config), seqLen);
		const theirs = TRANSFORMERS[name];
		expect(ours.attentionFactor).toBeCloseTo(theirs.attentionFactor, 12);
		for (const [i, value] of theirs.invFreq) expect(Math.abs(ours.invFreq[i] - value)).toBeLessThanOrEqual(1e-12 * value);
	});

	it('longrope switches to its long factors only past the original length; dynamic grows its base only past max_position_embeddings', () => {
		const phi = parseConfig(CONFIGS['longrope-short'].config);
		expect(own(phi).invFreq).toEqual(own(phi, 4096).invFreq);
		expect(own(phi, 4097).invFreq).toEqual(own(phi, 100000).invFreq);
		const dynamic = parseConfig(CONFIGS['dynamic-100'].config);
		expect(own(dynamic).invFreq).toEqual(own(dynamic, 64).invFreq);
		expect(own(dynamic, 65).invFreq[1]).toBeLessThan(own(dynamic, 64).invFreq[1]);
	});
});

describe('reading rope_scaling and rope_parameters', () => {
	const base = hf(16, {});
	const read = (fields: Record<string, unknown>) => parseConfig({ ...base, ...fields });

	it('reads `type` as the older name of `rope_type`, and "default" or null as plain RoPE', () => {
		expect(read({ rope_scaling: { type: 'linear', factor: 2 } }).ropeScaling).toEqual({ type: 'linear', factor: 2 });
		expect(read({ rope_scaling: { rope_type: 'linear', type: 'dynamic', factor: 2 } }).ropeScaling?.type).toBe('linear');
		expect(read({ rope_scaling: { rope_type: 'default' } }).ropeScaling).toBeNull();
		expect(read({ rope_scaling: null }).ropeScaling).toBeNull();
	});

	it("takes rope_theta from transformers 5's rope_parameters, the top-level pretraining length before the dict's", () => {
		expect(read({ rope_theta: 7, rope_parameters: { rope_type: 'default', rope_theta: 500000 } }).ropeTheta).toBe(500000);
		const phi = read({ max_position_embeddings: 1000, original_max_position_embeddings: 100, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 50 } });
		expect(phi.ropeScaling).toMatchObject({ type: 'llama3', original: 100 });
		// Without any, the pretraining length is max_position_embeddings; longrope's factor is their ratio.
		expect(read({ max_position_embeddings: 1000, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4 } }).ropeScaling).toMatchObject({ original: 1000 });
		const longrope = read({ max_position_embeddings: 1024, original_max_position_embeddings: 64, rope_scaling: { type: 'longrope', short_factor: [1, 1, 1, 1, 1, 1, 1, 1], long_factor: [2, 2, 2, 2, 2, 2, 2, 2] } });
		expect(longrope.ropeScaling).toMatchObject({ factor: 16, attentionFactor: Math.sqrt(1 + Math.log(16) / Math.log(64)) });
	});

	it("reads Phi3Config's first names for longrope ('su', 'yarn' under `type`)", () => {
		const context = { modelType: 'phi3', maxPositions: 131072, originalMaxPositions: 4096, rotaryDim: 96 };
		for (const type of ['su', 'yarn']) expect(readRopeScaling({ rope_scaling: { type, short_factor: SHORT, long_factor: LONG } }, context).scaling?.type).toBe('longrope');
	});

	it.each([
		[{ rope_scaling: { rope_type: 'ntk', factor: 2 } }, /"rope_scaling.rope_type" is "ntk", which the lab does not run \(supported: default, linear, dynamic, yarn, llama3, longrope\)/],
		[{ rope_parameters: { type: 'mrope' } }, /"rope_parameters.type" is "mrope"/],
		[{ rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1 } }, /"rope_scaling.high_freq_factor" is required for rope_type "llama3"/],
		[{ rope_scaling: { type: 'linear' } }, /"rope_scaling.factor" is required for rope_type "linear"/],
		[{ rope_scaling: { type: 'linear', factor: -1 } }, /"rope_scaling.factor" too small/],
		[{ rope_scaling: { type: 'longrope', short_factor: [1, 1], long_factor: [1, 1] } }, /"rope_scaling.short_factor" has 2 factors; the model's rotary dimension 16 needs one per pair, 8/],
		[{ rope_scaling: 'linear' }, /"rope_scaling" invalid input: expected object/],
		[{ rope_parameters: { full_attention: { rope_type: 'default', rope_theta: 1e6 }, sliding_attention: { rope_type: 'default', rope_theta: 1e4 } } }, /"rope_parameters" gives rotary positions per layer type \(full_attention, sliding_attention\)/],
		[{ position_encoding: 'alibi', rope_scaling: { type: 'linear', factor: 2 } }, /rope_scaling rescales rotary positions, but position_encoding is "alibi"/]
	])('refuses what it cannot run, naming the field (%#)', (fields, message) => {
		expect(() => read(fields)).toThrow(ConfigError);
		expect(() => read(fields)).toThrow(message);
	});
});

describe("the lab's description of a model's own positions", () => {
	it.each([
		['llama3-8b', 'llama3 ×8 from 8,192 (RoPE θ = 500,000)'],
		['yarn-qwen', 'YaRN ×4 from 32,768, attention ×1.139 (RoPE θ = 1,000,000)'],
		['linear', 'linear ×4 (RoPE θ = 10,000)'],
		['dynamic-llama2', 'dynamic NTK ×2 past 4,096 (RoPE θ = 10,000)'],
		[
			'longrope-short',
			'longrope ×32 from 4,096, attention ×1.190 (RoPE θ = 10,000): short factors while a pass is within 4,096 tokens, long past it; keys cached before the switch keep the short ones'
		]
	])('%s: "%s"', (name, text) => {
		expect(describeNativePositions(parseConfig(CONFIGS[name].config))).toBe(text);
	});

	it('plain RoPE, ALiBi, none', () => {
		expect(describeNativePositions(parseConfig(hf(16, { rope_theta: 10000 })))).toBe('RoPE θ = 10,000');
		expect(describeNativePositions(parseConfig(hf(16, { position_encoding: 'alibi' })))).toBe('ALiBi');
		expect(describeNativePositions(parseConfig(hf(16, { position_encoding: 'none' })))).toBe('none (NoPE)');
	});
});

// ---------------------------------------------------------------------------------------------
// The engine with each scaling on the fixture model (head_dim 8: four rotary pairs).

const fixture = fixtureModel({ seed: 5 });
const PROMPT = Array.from({ length: 24 }, (_, i) => (i * 37 + 11) % 256);
const PREFILL = 12;

/** Each rope type on the fixture, set so that the 24-token prompt crosses its lengths. */
const SCALED: Record<string, Record<string, unknown>> = {
	linear: { max_position_embeddings: 64, rope_scaling: { rope_type: 'linear', factor: 4 } },
	dynamic: { max_position_embeddings: 16, rope_scaling: { type: 'dynamic', factor: 4 } },
	yarn: { max_position_embeddings: 64, rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 16, beta_fast: 8, beta_slow: 1 } },
	// θ 100 puts one pair below L0/4, two on the ramp and one past L0 (wavelengths 6.3, 20, 63, 199).
	llama3: { max_position_embeddings: 64, rope_theta: 100, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 } },
	longrope: { max_position_embeddings: 64, original_max_position_embeddings: 16, rope_scaling: { type: 'longrope', short_factor: [1, 1.5, 2, 3], long_factor: [1, 2, 6, 24] } }
};

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
	expect(a.length).toBe(b.length);
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
};

/** A prefill of `PREFILL` tokens, then one decode pass per token: the pass each token was computed in. */
const decodePasses = (i: number) => (i < PREFILL ? PREFILL : i + 1);

describe.each(Object.keys(SCALED))('engine = reference, %s from the config', (type) => {
	const json = { ...fixture.config, ...SCALED[type] };
	const config = parseConfig(json);
	const weights = loadWeights(parseSafetensors(fixture.safetensors), config);
	let engine: Engine;
	beforeAll(async () => {
		engine = await Engine.load(json, fixture.safetensors);
	});

	it('prefill: logits and every layer\'s probabilities (≤ 1e-4)', async () => {
		const reference = referenceForward(config, weights, PROMPT);
		const seen: Float32Array[] = [];
		const logits = await engine.sequence({ observe: (_ctx, probs) => seen.push(probs.slice()) }).prefill(PROMPT, { allLogits: true });
		expect(maxAbsDiff(logits, reference.logits)).toBeLessThan(1e-4);
		seen.forEach((probs, layer) => expect(maxAbsDiff(probs, reference.probs[layer])).toBeLessThan(1e-4));
	});

	it('cached decode = a recompute in which each token is rotated as its own pass rotated it', async () => {
		const seq = engine.sequence();
		let logits = await seq.prefill(PROMPT.slice(0, PREFILL));
		const V = config.vocabSize;
		for (let t = PREFILL; t < PROMPT.length; t++) {
			const recompute = referenceForward(config, weights, PROMPT.slice(0, t), { passLength: decodePasses }).logits;
			expect(maxAbsDiff(logits, recompute.subarray((t - 1) * V))).toBeLessThan(1e-4);
			logits = await seq.step(PROMPT[t]);
		}
	});

	it('chunked prefill = one-shot', async () => {
		const oneShot = await engine.sequence().prefill(PROMPT, { allLogits: true });
		for (const chunkSize of [1, 5]) expect(maxAbsDiff(await engine.sequence().prefill(PROMPT, { allLogits: true, chunkSize }), oneShot)).toBeLessThan(1e-5);
	});
});

describe('longrope across the switch, as transformers caches it', () => {
	const json = { ...fixture.config, ...SCALED.longrope };
	const config = parseConfig(json);
	const weights = loadWeights(parseSafetensors(fixture.safetensors), config);
	const { headDim: d, kvHeads } = config;
	const short = longropeInvFreq(d, 10000, [1, 1.5, 2, 3]);
	const long = longropeInvFreq(d, 10000, [1, 2, 6, 24]);
	let seq: Sequence;
	let decoded: Float32Array;
	beforeAll(async () => {
		const engine = await Engine.load(json, fixture.safetensors);
		seq = engine.sequence();
		await seq.prefill(PROMPT.slice(0, PREFILL));
		for (let t = PREFILL; t < PROMPT.length - 1; t++) decoded = await seq.step(PROMPT[t]);
	});

	it('keys written by passes within the original 16 tokens stay rotated with the short factors; later ones with the long', () => {
		for (let layer = 0; layer < config.layers; layer++) {
			for (let h = 0; h < kvHeads; h++) {
				const head = seq.cache.head(layer, h);
				for (let s = 0; s < head.length; s++) {
					const p = head.positions[s];
					const expected = new Float32Array(d);
					// Position p was written by a pass of length max(12, p + 1): past 16 from position 16 on.
					rotate(head.keysRaw.subarray(s * d, (s + 1) * d), expected, 1, d, () => p, p + 1 > 16 ? long : short);
					expect(maxAbsDiff(head.keys.subarray(s * d, (s + 1) * d), expected)).toBeLessThan(1e-6);
				}
			}
		}
	});

	it('so decoding differs from one pass over the same tokens, which rotates every key with the long factors', () => {
		const V = config.vocabSize;
		const ids = PROMPT.slice(0, PROMPT.length - 1);
		const onePass = referenceForward(config, weights, ids).logits.subarray((ids.length - 1) * V);
		const asCached = referenceForward(config, weights, ids, { passLength: decodePasses }).logits.subarray((ids.length - 1) * V);
		expect(maxAbsDiff(decoded, asCached)).toBeLessThan(1e-4);
		expect(maxAbsDiff(decoded, onePass)).toBeGreaterThan(1e-2);
	});
});

// ---------------------------------------------------------------------------------------------
// Position schemes on a scaled model

const scheme = (id: string) => positionSchemes.find((s) => s.id === id)!;
const DEFAULTS: Record<string, Record<string, number>> = Object.fromEntries(
	positionSchemes.map((s) => [s.id, Object.fromEntries(Object.entries(s.params).map(([name, spec]) => [name, spec.default as number]))])
);
const fixtureWith = (id: string) => parseConfig({ ...fixture.config, ...SCALED[id] });
const call = (length: number) => ({ layer: 0, callPositions: Int32Array.from({ length }, (_, i) => i), queryPositions: Int32Array.of(length - 1), keyPositions: [] }) as unknown as LayerContext;

describe('position schemes compose with a scaled model, or say why not', () => {
	it('schemes that move positions run on every scaling; those that replace the frequencies only on their own kind', () => {
		const allowed = (id: string) => Object.keys(SCALED).filter((type) => scheme(id).refuse(DEFAULTS[id], fixtureWith(type)) === null);
		for (const id of ['native', 'linear', 'rope-base', 'self-extend', 'distance-cap', 'cache-positions', 'remap', 'nope']) expect(allowed(id)).toEqual(Object.keys(SCALED));
		expect(allowed('yarn')).toEqual(['yarn']);
		expect(allowed('dynamic-ntk')).toEqual(['dynamic']);
		expect(allowed('ntk')).toEqual([]);
		expect(allowed('alibi')).toEqual([]);
	});

	it('a refusal says what the model does and what runs instead', () => {
		expect(scheme('yarn').refuse(DEFAULTS.yarn, fixtureWith('llama3'))).toBe(
			"YaRN extends plain RoPE (or replaces a yarn config's own factor), but this model's config already scales it: llama3 ×8 from 64 (RoPE θ = 100). " +
				"No paper defines YaRN on top of llama3 scaling; use the model's own positions, or a scheme that moves positions through them: Position Interpolation, SelfExtend, the distance cap, cache positions or a remap."
		);
	});

	it('Position Interpolation divides the model\'s own frequencies of the pass (longrope: short, then long)', () => {
		const config = fixtureWith('longrope');
		for (const length of [16, 17]) {
			const plan = scheme('linear').plan({ factor: 2 }, config, call(length))!;
			expect(plan.invFreq).toEqual(own(config, length).invFreq.map((theta) => theta / 2));
			// The attention factor stays the model's: callPlan keeps what the plan leaves out.
			expect(callPlan(nativePlan(config, blockSpec(config).layers[0], length), plan).logitScale).toBeCloseTo(ropeFrequencies(8, 10000, config.ropeScaling, length).attentionFactor ** 2, 14);
		}
	});

	it('another base recomputes the config\'s scaling around it; YaRN on a YaRN model starts from its original length', () => {
		const llama3 = fixtureWith('llama3');
		expect(scheme('rope-base').plan({ base: 1000 }, llama3, call(20))!.invFreq).toEqual(llama3InvFreq(8, 1000, 8, 64, 1, 4));
		const yarnModel = fixtureWith('yarn');
		const plan = scheme('yarn').plan({ ...DEFAULTS.yarn, factor: 8 }, yarnModel, call(20))!;
		expect(plan.invFreq).toEqual(ropeFrequencies(8, 10000, { type: 'yarn', factor: 8, original: 16, betaFast: 32, betaSlow: 1, truncate: true, attentionFactor: 1.1 }).invFreq);
		expect(plan.logitScale).toBeCloseTo((0.1 * Math.log(8) + 1) ** 2, 14);
	});

	describe('in the engine', () => {
		const PI_PROMPT = PROMPT.slice(0, 20);

		async function run(type: string, id: string, params: Record<string, number>, reference: ReferenceOptions) {
			const json = { ...fixture.config, ...SCALED[type] };
			const config = parseConfig(json);
			const engine = await Engine.load(json, fixture.safetensors);
			const logits = await engine.sequence({ positions: (ctx) => scheme(id).plan(params, config, ctx) }).prefill(PI_PROMPT, { allLogits: true });
			const weights = loadWeights(parseSafetensors(fixture.safetensors), config);
			expect(maxAbsDiff(logits, referenceForward(config, weights, PI_PROMPT, reference).logits)).toBeLessThan(1e-4);
		}

		it('Position Interpolation on llama3 = the llama3 model at positions / 2', async () => {
			await run('llama3', 'linear', { factor: 2 }, { positions: PI_PROMPT.map((_, i) => i / 2) });
		});

		it("SelfExtend on YaRN = grouped positions through YaRN's frequencies and attention factor", async () => {
			const [G, W] = [4, 6];
			await run('yarn', 'self-extend', { group: G, window: W }, { pairPositions: (i, j) => (i - j < W ? [i, j] : [Math.floor(i / G) + W - W / G, Math.floor(j / G)]) });
		});
	});
});
