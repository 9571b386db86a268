import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '$lib/engine/config';
import { Engine } from '$lib/engine/engine';
import type { Hooks } from '$lib/engine/hooks';
import { referenceForward, type ReferenceOptions } from '$lib/engine/reference';
import { parseSafetensors } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { catalog, defaultExperiment, type Experiment } from '$lib/experiment';
import { techniqueHooks, type PatternStats } from '$lib/experiment/technique-hooks';
import { yarn } from '$lib/engine/rope-scaling';
import { fixtureModel } from '../fixtures/fixture-model';

const model = fixtureModel({ seed: 21 });
const config = parseConfig(model.config);
const weights = loadWeights(parseSafetensors(model.safetensors), config);
const PROMPT = Array.from({ length: 24 }, (_, i) => (i * 53 + 7) % 256);
const V = config.vocabSize;
const group = config.heads / config.kvHeads;

let engine: Engine;
beforeAll(async () => {
	engine = await Engine.load(model.config, model.safetensors);
});

function experimentWith(attn: Experiment['attn'] | null, pos: Experiment['pos'] | null): Experiment {
	const e = defaultExperiment(catalog);
	if (attn) e.attn = attn;
	if (pos) e.pos = pos;
	return e;
}

const hooksFor = (e: Experiment): Hooks => techniqueHooks(e, { causal: 0, kept: 0, massKept: 0, rows: 0 } satisfies PatternStats, { config: engine.config });

function maxDiff(a: Float32Array, b: Float32Array) {
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
}

async function compare(e: Experiment, reference: ReferenceOptions) {
	const logits = await engine.sequence(hooksFor(e)).prefill(PROMPT, { allLogits: true });
	expect(maxDiff(logits, referenceForward(config, weights, PROMPT, reference).logits)).toBeLessThan(1e-4);
}

describe('patterns in the engine equal the reference with the same mask', () => {
	it('"full" is bit-identical to an unpatterned run', async () => {
		const patterned = await engine.sequence(hooksFor(experimentWith(null, null))).prefill(PROMPT, { allLogits: true });
		const plain = await engine.sequence().prefill(PROMPT, { allLogits: true });
		expect(patterned).toEqual(plain);
	});

	it('sinks + window', async () => {
		await compare(experimentWith({ id: 'sink-window', params: { sink: 2, window: 5 } }, null), { allowed: (_l, _h, i, j) => j < 2 || i - j < 5 });
	});

	it('strided', async () => {
		await compare(experimentWith({ id: 'strided', params: { stride: 3 } }, null), { allowed: (_l, _h, i, j) => i - j < 3 || (i - j) % 3 === 0 });
	});

	it('per-head (DuoAttention): different masks per KV head group', async () => {
		const e = experimentWith({ id: 'per-head', params: { retrieval_heads: '1.0', sink: 1, recent: 3 } }, null);
		const retrieval = (l: number, h: number) => l === 1 && Math.floor(h / group) === 0;
		await compare(e, { allowed: (l, h, i, j) => retrieval(l, h) || j < 1 || i - j < 3 });
	});

	it('the decode step of a windowed run equals the reference', async () => {
		const e = experimentWith({ id: 'window', params: { window: 6 } }, null);
		const seq = engine.sequence(hooksFor(e));
		await seq.prefill(PROMPT.slice(0, 20));
		const logits = await seq.step(PROMPT[20]);
		const reference = referenceForward(config, weights, PROMPT.slice(0, 21), { allowed: (_l, _h, i, j) => i - j < 6 }).logits;
		expect(maxDiff(logits, reference.subarray(20 * V, 21 * V))).toBeLessThan(1e-4);
	});
});

describe('position schemes in the engine equal the reference with the same positions', () => {
	it('SelfExtend (G 2, W 4) re-rotates un-rotated keys to grouped positions', async () => {
		const G = 2;
		const W = 4;
		await compare(experimentWith(null, { id: 'self-extend', params: { group: G, window: W } }), {
			pairPositions: (i, j) => (i - j < W ? [i, j] : [Math.floor(i / G) + W - W / G, Math.floor(j / G)])
		});
	});

	it('the distance cap (6) sees far keys exactly 6 away', async () => {
		await compare(experimentWith(null, { id: 'distance-cap', params: { cap: 6 } }), { pairPositions: (i, j) => (i - j < 6 ? [i, j] : [6, 0]) });
	});

	it('YaRN uses its frequencies and logit scale', async () => {
		const params = { factor: 4, original: 8, beta_fast: 32, beta_slow: 1, attention_factor: 0 };
		const scaling = yarn(config.headDim, config.ropeTheta, 4, 8, 32, 1);
		await compare(experimentWith(null, { id: 'yarn', params }), { invFreq: scaling.invFreq, logitScale: scaling.attentionFactor ** 2 });
	});

	it('Position Interpolation equals the model at positions / s', async () => {
		await compare(experimentWith(null, { id: 'linear', params: { factor: 2 } }), { positions: PROMPT.map((_, i) => i / 2) });
	});

	it('cache positions: after eviction, keys and the query take their slots in the cache', async () => {
		const e = experimentWith(null, { id: 'cache-positions', params: {} });
		const seq = engine.sequence(hooksFor(e));
		await seq.prefill(PROMPT.slice(0, 16));
		const kept = [0, 1, 12, 13, 14, 15];
		for (let l = 0; l < config.layers; l++) for (let h = 0; h < config.kvHeads; h++) seq.cache.keep(l, h, kept);
		const logits = await seq.step(PROMPT[16]);
		const slots = [...kept, 16];
		const reference = referenceForward(config, weights, PROMPT.slice(0, 17), {
			allowed: (_l, _h, i, j) => i < 16 || slots.includes(j),
			pairPositions: (i, j) => (i < 16 ? [i, j] : [slots.indexOf(i), slots.indexOf(j)])
		}).logits;
		expect(maxDiff(logits, reference.subarray(16 * V))).toBeLessThan(1e-4);
	});
});
