import { describe, expect, it } from 'vitest';
import type { LayerContext } from '$lib/engine/hooks';
import { parseConfig } from '$lib/engine/config';
import { Engine } from '$lib/engine/engine';
import { KvCache } from '$lib/engine/kv-cache';
import { referenceForward } from '$lib/engine/reference';
import { parseSafetensors } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { defaultValues } from '$lib/params/param-spec';
import { createRng } from '$lib/random';
import { catalog, defaultExperiment } from '$lib/experiment';
import { techniqueHooks } from '$lib/experiment/technique-hooks';
import { pyramidBudget } from '$lib/techniques/kv/pyramidkv';
import { adaKv, adaptiveBudgets, compressEvery } from '$lib/techniques/kv/wrappers';
import { keptEntries, policyHooks } from '$lib/techniques/kv-runtime';
import { kvPolicies } from '$lib/techniques/registry';
import { BUDGET_PARAMS } from '$lib/techniques/kv/select';
import type { KvPolicy, ScoreInput } from '$lib/techniques/types';
import { fixtureModel } from '../fixtures/fixture-model';

const policy = (id: string) => kvPolicies.find((p) => p.id === id)!;
const f64 = (values: number[], n: number) => Float64Array.from({ length: n }, (_, i) => values[i] ?? 0);

function input(n: number, budget: number, extra: Partial<ScoreInput> = {}): ScoreInput {
	return {
		layer: 0,
		layers: 2,
		kvHead: 0,
		n,
		budget,
		positions: Int32Array.from({ length: n }, (_, i) => i),
		keys: new Float32Array(n * 2),
		headDim: 2,
		accumulated: new Float64Array(n),
		window: new Float64Array(n),
		lastRowLayer: new Float64Array(n),
		custom: new Float64Array(n),
		random: createRng(1).next,
		...extra
	};
}
const keep = (id: string, params: Record<string, unknown>, i: ScoreInput) => keptEntries(policy(id), { ...defaultValues(policy(id).params), ...params } as never, [i])[0];

// Expected indices written out by hand from each paper's rule.
describe('KV policies keep what their papers say', () => {
	it('StreamingLLM: sinks then the most recent', () => {
		expect(keep('streaming-llm', { sink: 2 }, input(10, 5))).toEqual([0, 1, 7, 8, 9]);
		expect(keep('streaming-llm', { sink: 2 }, input(10, 1))).toEqual([0]);
		expect(keep('streaming-llm', { sink: 2 }, input(10, 0))).toEqual([]);
		expect(keep('streaming-llm', { sink: 2 }, input(10, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
	});

	it('H2O: half recent, half the heaviest accumulated attention among the rest', () => {
		const accumulated = f64([5, 0.1, 3, 0.2, 0.3, 4, 0.5, 0.6, 9, 9], 10);
		expect(keep('h2o', { recent_share: 0.5 }, input(10, 4, { accumulated }))).toEqual([0, 5, 8, 9]);
		expect(keep('h2o', { recent_share: 0 }, input(10, 3, { accumulated }))).toEqual([0, 8, 9]);
	});

	const window = f64([0.1, 0.9, 0.2, 0.8, 0.05, 0.7, 0.3, 0.01, 0.02, 1, 1, 1], 12);
	it('SnapKV without pooling: the window plus the prefix tokens it attends to most', () => {
		expect(keep('snapkv', { window: 3, kernel: 1 }, input(12, 6, { window }))).toEqual([1, 3, 5, 9, 10, 11]);
	});

	it('SnapKV with a 3-wide average pool (zero padding)', () => {
		// Pooled prefix: 0.333, 0.4, 0.633, 0.35, 0.517, 0.35, 0.337, 0.11, 0.01 → top 3 = 2, 4, 1.
		expect(keep('snapkv', { window: 3, kernel: 3, pooling: 'avg' }, input(12, 6, { window }))).toEqual([1, 2, 4, 9, 10, 11]);
		// Max pool: 0.9, 0.9, 0.9, 0.8, 0.8, 0.7, 0.7, 0.3, 0.02 → ties broken by position: 0, 1, 2.
		expect(keep('snapkv', { window: 3, kernel: 3, pooling: 'max' }, input(12, 6, { window }))).toEqual([0, 1, 2, 9, 10, 11]);
		// A budget inside the window keeps the newest tokens.
		expect(keep('snapkv', { window: 3, kernel: 1 }, input(12, 2, { window }))).toEqual([10, 11]);
	});

	it('PyramidKV budgets: n 6000, ratio 0.5, window 64, β 20, 32 layers → 5850, 5666, 5482 … 334, 150', () => {
		const budgets = Array.from({ length: 32 }, (_, l) => pyramidBudget(6000, 3000, 64, 20, l, 32));
		expect(budgets.slice(0, 3)).toEqual([5850, 5666, 5482]);
		expect(budgets.slice(-2)).toEqual([334, 150]);
		expect(budgets.reduce((a, b) => a + b) / 32).toBeCloseTo(3000, 0);
		// Out of bounds (min below the window): uniform, as kvpress falls back.
		expect(pyramidBudget(256, 64, 16, 20, 0, 3)).toBe(64);
	});

	it('TOVA: the newest token plus the top of the layer-wide last attention row', () => {
		const lastRowLayer = f64([0.3, 0.05, 0.4, 0.1, 0.05, 0.1], 6);
		expect(keep('tova', {}, input(6, 3, { lastRowLayer }))).toEqual([0, 2, 5]);
		expect(keep('tova', {}, input(6, 0, { lastRowLayer }))).toEqual([]);
	});

	it('K-norm keeps the smallest keys', () => {
		// Norms: 5, 1, 3, 0.5, 4
		const keys = Float32Array.from([3, 4, 1, 0, 0, 3, 0.5, 0, 0, 4]);
		expect(keep('knorm', {}, input(5, 2, { keys }))).toEqual([1, 3]);
	});

	it('recent keeps the newest; random keeps a seeded subset of the budget', () => {
		expect(keep('recent', {}, input(8, 3))).toEqual([5, 6, 7]);
		const a = keep('random', {}, input(20, 7, { random: createRng(4).next }));
		expect(a).toHaveLength(7);
		expect(keep('random', {}, input(20, 7, { random: createRng(4).next }))).toEqual(a);
	});
});

describe('eviction in the engine', () => {
	const model = fixtureModel({ seed: 13 });
	const config = parseConfig(model.config);
	const weights = loadWeights(parseSafetensors(model.safetensors), config);
	const prompt = Array.from({ length: 32 }, (_, i) => (i * 41 + 3) % 256);
	const group = config.heads / config.kvHeads;

	it.each(['snapkv', 'h2o', 'streaming-llm', 'knorm'])('%s: decoding after eviction equals the reference with the evicted keys masked', async (id) => {
		const engine = await Engine.load(model.config, model.safetensors);
		const params = { ...defaultValues(policy(id).params), ratio: 0.5, every: 0, window: 4 };
		const seq = engine.sequence(policyHooks(policy(id), params, config, 7));
		await seq.prefill(prompt);
		const kept = seq.cache.layers.map((heads) => heads.map((h) => Array.from(h.positions.subarray(0, h.length))));
		expect(kept.flat().every((k) => k.length === 16)).toBe(true);
		const ids = [...prompt];
		for (const next of [70, 71]) {
			const logits = await seq.step(next);
			ids.push(next);
			const reference = referenceForward(config, weights, ids, {
				allowed: (l, h, i, j) => i < prompt.length || j >= prompt.length || kept[l][Math.floor(h / group)].includes(j)
			}).logits;
			let max = 0;
			const last = reference.subarray((ids.length - 1) * config.vocabSize);
			logits.forEach((v, i) => (max = Math.max(max, Math.abs(v - last[i]))));
			expect(max).toBeLessThan(1e-4);
		}
	});
});

describe('selection and head-split policies', () => {
	it('Quest reads the pages with the highest bound Σ max(q·max, q·min) (at least 3 pages)', () => {
		// One head, d = 2, pages of 2 keys; q = (1, 1).
		const keys = Float32Array.from([1, 0, 0, 1, -1, 0, 0, -1, 2, 2, 0, 0, -2, -2, -1, -1]);
		// Bounds: page 0 → 1 + 1 = 2, page 1 → 0 + 0 = 0, page 2 → 2 + 2 = 4, page 3 → −1 − 1 = −2.
		const ctx = {
			config: { heads: 1, kvHeads: 1, headDim: 2 },
			layer: 5,
			phase: 'decode',
			queryPositions: Int32Array.of(8),
			keyPositions: [Int32Array.from({ length: 8 }, (_, i) => i)],
			slots: 8,
			vectors: () => ({ queries: Float32Array.of(1, 1), keys })
		} as never;
		const quest = policy('quest');
		// A budget of 2 tokens still reads max(3, 2/2) = 3 pages (Quest issue #22): pages 2, 0, 1.
		expect(Array.from(quest.decodeMask!({ budget: 2, page: 2, dense_layers: 2 }, ctx)!.mask)).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
		expect(quest.decodeMask!({ budget: 2, page: 2, dense_layers: 6 }, ctx)).toBeUndefined();
	});

	it('DuoAttention keeps every entry of retrieval heads and sinks + recent of streaming heads', () => {
		const params = { retrieval_heads: '0.1', sink: 2, recent: 3, every: 1 };
		const duo = policy('duo-attention');
		const at = (kvHead: number) => ({ n: 10, seen: 10, layer: 0, layers: 2, kvHead });
		expect(duo.budget!(params, at(1))).toBe(10);
		expect(duo.budget!(params, at(0))).toBe(5);
		expect(keep('duo-attention', params, input(10, 10, { kvHead: 1 }))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect(keep('duo-attention', params, input(10, 5, { kvHead: 0 }))).toEqual([0, 1, 7, 8, 9]);
	});

	it('Quest in the engine: same resident bytes, fewer bytes read', async () => {
		const model = fixtureModel({ seed: 13 });
		const engine = await Engine.load(model.config, model.safetensors);
		const prompt = Array.from({ length: 96 }, (_, i) => (i * 41 + 3) % 256);
		const cfg = parseConfig(model.config);
		const full = engine.sequence();
		await full.prefill(prompt);
		await full.step(65);
		const selective = engine.sequence(policyHooks(policy('quest'), { budget: 16, page: 8, dense_layers: 0 }, cfg, 1));
		await selective.prefill(prompt);
		await selective.step(65);
		expect(selective.cache.residentBytes()).toBe(full.cache.residentBytes());
		// Each query head reads 3 pages of 8; a KV head is read for the union of its 2 query heads:
		// 24 to 48 entries per KV head and layer instead of 97.
		const entry = cfg.layers * cfg.kvHeads * cfg.headDim * 2 * 4;
		expect(selective.bytesReadLastStep).toBeGreaterThanOrEqual(24 * entry);
		expect(selective.bytesReadLastStep).toBeLessThanOrEqual(48 * entry);
		expect(full.bytesReadLastStep).toBe(97 * cfg.layers * cfg.kvHeads * cfg.headDim * 2 * 4);
	});
});

describe('TokenSelect', () => {
	// Two query heads share one KV head; d = 4, so raw q·k = 2 × the engine's (1/√d-scaled) logits.
	// Query at 7 with init 1 and local 2: 0, 6 and 7 are always read; 1–5 are voted on.
	const raw = [
		[0, 0, 0, Math.log(3), 0, 0, 0, 0], // head 0 votes (1, 1, 3, 1, 1)/7 for 1–5
		[0, Math.log(4), 0, 0, 0, 0, 0, 0] // head 1 votes (4, 1, 1, 1, 1)/8
	];
	const ctx = {
		config: { heads: 2, kvHeads: 1, headDim: 4 },
		layer: 0,
		phase: 'decode',
		queryPositions: Int32Array.of(7),
		keyPositions: [Int32Array.from({ length: 8 }, (_, i) => i)],
		slots: 8,
		scores: () => Float32Array.from(raw.flat(), (z) => z / 2)
	} as never;
	const mask = (k: number) => Array.from(policy('token-select').decodeMask!({ k, init: 1, local: 2 }, ctx)!.mask);

	it('sums the heads\' softmax votes over the middle tokens and reads the winners', () => {
		// Votes: 1 → 1/7 + 4/8 ≈ 0.64, 3 → 3/7 + 1/8 ≈ 0.55, 2, 4, 5 → 1/7 + 1/8 ≈ 0.27.
		expect(mask(1)).toEqual([1, 1, 0, 0, 0, 0, 1, 1]);
		expect(mask(2)).toEqual([1, 1, 0, 1, 0, 0, 1, 1]);
	});

	it('evicts nothing and reads the first, last and selected tokens', () => {
		expect(policy('token-select').footprint!({ k: 32, init: 4, local: 16 }, 1000, {} as never)).toEqual({ resident: 1000, read: 52 });
		expect(policy('token-select').footprint!({ k: 32, init: 4, local: 16 }, 40, {} as never)).toEqual({ resident: 40, read: 40 });
	});
});

describe('Keyformer', () => {
	const softmax = (z: number[]) => {
		const e = z.map((v) => Math.exp(v - Math.max(...z)));
		return e.map((v) => v / e.reduce((a, b) => a + b, 0));
	};

	it('scores with softmax((z + G)/τ), τ rising from τ_init to τ_end', () => {
		const keyformer = policy('keyformer');
		const params = { ...defaultValues(keyformer.params), tau_init: 1, tau_end: 2, tau_steps: 16 } as never;
		// U = e^(−1) gives Gumbel noise −ln(−ln U) = 0, leaving the temperature alone.
		const noNoise = () => Math.exp(-1);
		const z = Float32Array.of(1, 2, 0.5);
		const at = (step: number) => Array.from(keyformer.scoreLogits!(params, z, step, noNoise));
		softmax([1, 2, 0.5]).forEach((v, i) => expect(at(0)[i]).toBeCloseTo(v, 12));
		softmax([0.5, 1, 0.25]).forEach((v, i) => expect(at(16)[i]).toBeCloseTo(v, 12));
		softmax([1 / 1.5, 2 / 1.5, 0.5 / 1.5]).forEach((v, i) => expect(at(8)[i]).toBeCloseTo(v, 12));
	});

	it('keeps the recent share plus the top accumulated key tokens', () => {
		const custom = f64([0.9, 0.1, 0.8, 0.2, 0.1, 0.3, 0, 0], 8);
		expect(keep('keyformer', { recent_share: 0.5 }, input(8, 4, { custom }))).toEqual([0, 2, 6, 7]);
	});
});

describe('StreamingLLM with positions inside the cache', () => {
	it('decodes as the reference where the kept tokens sit at slots 0…n−1', async () => {
		const model = fixtureModel({ seed: 23 });
		const cfg = parseConfig(model.config);
		const weights = loadWeights(parseSafetensors(model.safetensors), cfg);
		const engine = await Engine.load(model.config, model.safetensors);
		const experiment = {
			...defaultExperiment(catalog),
			kv: { id: 'streaming-llm', params: { ratio: 0, tokens: 8, every: 1, sink: 2 } },
			pos: { id: 'cache-positions', params: {} }
		};
		const seq = engine.sequence(techniqueHooks(experiment, { causal: 0, kept: 0, massKept: 0, rows: 0 }, { config: cfg }));
		const prompt = Array.from({ length: 20 }, (_, i) => (i * 13 + 2) % 256);
		await seq.prefill(prompt);
		const kept = [0, 1, 14, 15, 16, 17, 18, 19];
		expect(Array.from(seq.cache.head(0, 0).positions.subarray(0, 8))).toEqual(kept);
		const logits = await seq.step(66);
		const slots = [...kept, 20];
		const reference = referenceForward(cfg, weights, [...prompt, 66], {
			allowed: (_l, _h, i, j) => i < 20 || slots.includes(j),
			pairPositions: (i, j) => (i < 20 ? [i, j] : [slots.indexOf(i), slots.indexOf(j)])
		}).logits.subarray(20 * cfg.vocabSize);
		expect(Math.max(...logits.map((v, i) => Math.abs(v - reference[i])))).toBeLessThan(1e-4);
	});
});

describe('AdaKV head-wise budgets', () => {
	it('guarantees each head ⌊α·budget⌋ entries, then gives the rest to the highest scores of the layer', () => {
		const scores = [Float64Array.of(9, 8, 7, 1), Float64Array.of(0.5, 0.4, 0.3, 0.2)];
		expect(adaptiveBudgets(scores, 2, 0.5)).toEqual([[0, 1, 2], [0]]);
		expect(adaptiveBudgets(scores, 2, 1)).toEqual([[0, 1], [0, 1]]);
	});

	it('are wrappers: any scorer gains the knob and the behaviour', () => {
		const scorer: KvPolicy = { id: 'test', name: 'Test', summary: '', paper: null, needs: [], params: BUDGET_PARAMS, score: (_p, { n }) => new Float64Array(n) };
		const wrapped = adaKv(compressEvery(3, scorer));
		expect(Object.keys(wrapped.params)).toEqual([...Object.keys(scorer.params), 'every', 'head_budgets', 'alpha']);
		expect([0, 3, 4, 6].map((step) => wrapped.compressesAt!({ every: 3 }, step))).toEqual([true, true, false, true]);
		expect(wrapped.compressesAt!({ every: 0 }, 6)).toBe(false);
		const scores = [Float64Array.of(3, 2, 1), Float64Array.of(1, 2, 3)];
		expect(wrapped.allocate!({ head_budgets: 'uniform', alpha: 0.2 }, scores, [1, 2])).toEqual([[0], [1, 2]]);
	});

	it('moves budget between heads in the engine while the layer total stays', async () => {
		const model = fixtureModel({ seed: 13 });
		const cfg = parseConfig(model.config);
		const engine = await Engine.load(model.config, model.safetensors);
		const params = { ...defaultValues(policy('snapkv').params), ratio: 0.5, window: 4, head_budgets: 'adaptive', alpha: 0.2 };
		const seq = engine.sequence(policyHooks(policy('snapkv'), params, cfg, 1));
		await seq.prefill(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256));
		for (const lengths of seq.cache.lengths()) expect(lengths.reduce((a, b) => a + b)).toBe(cfg.kvHeads * 32);
		expect(seq.cache.lengths().some(([a, b]) => a !== b)).toBe(true);
	});

	it('refuses a score that reads a statistic its policy did not declare', async () => {
		const model = fixtureModel({ seed: 13 });
		const engine = await Engine.load(model.config, model.safetensors);
		const undeclared = { ...policy('h2o'), needs: [] };
		const seq = engine.sequence(policyHooks(undeclared, defaultValues(undeclared.params), parseConfig(model.config), 1));
		await expect(seq.prefill([1, 2, 3, 4])).rejects.toThrow(/reads the "accumulated" statistic without declaring it/);
	});
});

describe('GQA: scores are gathered per KV head from its group of query heads', () => {
	it('SnapKV averages the window votes of the two query heads sharing a KV head', () => {
		const cfg = parseConfig(fixtureModel().config); // 4 query heads, 2 KV heads, head_dim 8
		const hooks = policyHooks(policy('snapkv'), { ...defaultValues(policy('snapkv').params), tokens: 3, window: 1, kernel: 1 }, cfg, 1);
		const T = 6;
		const positions = Int32Array.from({ length: T }, (_, i) => i);
		// Last query row per head: heads 0 and 1 (KV head 0) vote for tokens 1 and 2 together
		// (0.6 + 0.2 vs 0.1 + 0.6); heads 2 and 3 (KV head 1) vote for tokens 3 and 4.
		const lastRows = [
			[0.1, 0.6, 0.1, 0, 0, 0.2],
			[0, 0.2, 0.6, 0.1, 0, 0.1],
			[0, 0, 0.1, 0.5, 0.3, 0.1],
			[0.1, 0, 0, 0.3, 0.5, 0.1]
		];
		const probs = new Float32Array(cfg.heads * T * T);
		lastRows.forEach((row, h) => row.forEach((p, s) => (probs[(h * T + T - 1) * T + s] = p)));
		for (let layer = 0; layer < cfg.layers; layer++) {
			hooks.observe!({ config: cfg, layer, phase: 'prefill', queryPositions: positions, keyPositions: [positions, positions], slots: T, callPositions: Int32Array.from({ length: T }, (_, i) => i), rowOffset: 0, window: null } as never, probs);
		}
		const cache = new KvCache(cfg.layers, cfg.kvHeads, cfg.headDim);
		const zeros = new Float32Array(cfg.headDim);
		for (let l = 0; l < cfg.layers; l++) for (let h = 0; h < cfg.kvHeads; h++) for (let t = 0; t < T; t++) cache.head(l, h).append(zeros, zeros, zeros, 0, t);
		hooks.evict!({ config: cfg, phase: 'prefill', step: 0, cache });
		// Budget 3 = the window (token 5) + the two best prefix tokens of each group.
		expect(Array.from(cache.head(0, 0).positions.subarray(0, 3))).toEqual([1, 2, 5]);
		expect(Array.from(cache.head(0, 1).positions.subarray(0, 3))).toEqual([3, 4, 5]);
	});
});

describe('statistics follow the cache when others drop entries', () => {
	it("H2O scores what a sliding layer still holds by that entry's own attention, not its slot's", () => {
		const cfg = parseConfig(fixtureModel().config);
		const hooks = policyHooks(policy('h2o'), { ...defaultValues(policy('h2o').params), tokens: 3, recent_share: 0 }, cfg, 1);
		const T = 6;
		const positions = Int32Array.from({ length: T }, (_, i) => i);
		// Every head's last row: position 1 is attended most, then 3, 4, 2, 5, 0.
		const row = [0.07, 0.4, 0.1, 0.2, 0.15, 0.08];
		const probs = new Float32Array(cfg.heads * T * T);
		for (let h = 0; h < cfg.heads; h++) row.forEach((p, s) => (probs[(h * T + T - 1) * T + s] = p));
		for (let layer = 0; layer < cfg.layers; layer++) {
			hooks.observe!({ config: cfg, layer, phase: 'prefill', queryPositions: positions, keyPositions: [positions, positions], slots: T, callPositions: positions, rowOffset: 0, window: null } as never, probs);
		}
		const cache = new KvCache(cfg.layers, cfg.kvHeads, cfg.headDim);
		const zeros = new Float32Array(cfg.headDim);
		for (let l = 0; l < cfg.layers; l++) for (let h = 0; h < cfg.kvHeads; h++) for (let t = 0; t < T; t++) cache.head(l, h).append(zeros, zeros, zeros, 0, t);
		// A window of 5 at the next position 6 holds positions 2–5 (the engine's slide before evict).
		for (let l = 0; l < cfg.layers; l++) cache.dropBefore(l, 2);
		hooks.evict!({ config: cfg, phase: 'prefill', step: 0, cache });
		// Of 2–5, the three most attended: 3, 4, 2 (read by slot, the scores of 0–3 would keep 3, 4, 5).
		for (let l = 0; l < cfg.layers; l++) for (let h = 0; h < cfg.kvHeads; h++) expect(Array.from(cache.head(l, h).positions.subarray(0, cache.head(l, h).length))).toEqual([2, 3, 4]);
	});
});

describe('decode selections for the GPU kernels', () => {
	const ctxAt = (layer: number) => ({ layer }) as LayerContext;
	it('Quest asks for the pages its mask reads, and nothing in its dense first layers', async () => {
		const { quest } = await import('$lib/techniques/kv/quest');
		const params = { budget: 100, page: 16, dense_layers: 2 };
		expect(quest.decodeSelection!(params, ctxAt(1))).toBeUndefined();
		// floor(100 / 16) = 6 pages; never fewer than Quest's 3.
		expect(quest.decodeSelection!(params, ctxAt(2))).toEqual({ kind: 'quest', page: 16, pagesRead: 6 });
		expect(quest.decodeSelection!({ ...params, budget: 20 }, ctxAt(2))).toEqual({ kind: 'quest', page: 16, pagesRead: 3 });
	});
	it('TokenSelect asks for its k voted tokens beside the first and last ones', async () => {
		const { tokenSelect } = await import('$lib/techniques/kv/token-select');
		expect(tokenSelect.decodeSelection!({ k: 32, init: 4, local: 16 }, ctxAt(0))).toEqual({ kind: 'token-select', k: 32, init: 4, local: 16 });
	});
});
