/**
 * The conformance suite: every technique in the registry (and each KV policy's AdaKV and
 * decode-time variants) runs on the seeded fixture model and must keep what its interface
 * promises. A technique added to the registry is covered without a test of its own; its default
 * parameters are used, on the first fixture model that does not refuse them.
 *
 * Per technique:
 * - engine = reference: the engine's logits equal the plain-TypeScript reference forward pass
 *   given what the run did (which keys each attention call held, which rows it computed, the
 *   technique's mask, the position plan), and the scores and probabilities the technique was
 *   shown equal the reference's. What the run did is checked against the technique separately:
 *   a pattern's mask is recomputed from the pattern, a policy's cache against its budgets, a
 *   pruner's rows against the reference's attention ranking.
 * - kept keys within budget and ascending (KV policies after prefill and every decode step;
 *   pruners' kept rows, the last one always among them).
 * - same seed, same result: two runs give identical logits, caches, tokens and statistics, and
 *   the experiment hash does not depend on how the experiment object was written.
 * - reported = measured: what the KV memory chart shows (cost/policy.ts: the pruner's held
 *   tokens, the policy's footprint) equals the bytes the cache holds after prefill and in
 *   RunResult.kv, and each later compression keeps its full budget of what is held; a pattern's
 *   decode reads equal its own mask's on a synthetic decode grid, and the engine's bytes read; a
 *   selection policy reads no more than its footprint says.
 * - chunk-size invariance: caches, rows and logits do not depend on how the prefill was chunked
 *   (the one documented exception below).
 *
 * Real families (tests/fixtures/families.ts) run where they add coverage: every technique again on
 * Qwen2's block with sliding layers (a local/global mix: window masks, sliding caches, statistics
 * that follow a cache others trim; it also has q/k/v biases), on GPT-2's (learned positions, so
 * nothing is rotated and every scheme that rotates refuses it; LayerNorms and biases) and on
 * Gemma 3's (its first layers slide, at a RoPE base of their own, so position schemes compose per
 * layer; q/k and (1 + w) norms), and the position schemes on Llama 3's (its own llama3 rope scaling). Mistral's and Phi-3's blocks differ from these only in how their
 * weights are stored and which layers slide, which families.test.ts covers.
 *
 * What the reference cannot express, and how it is covered instead:
 * - one set of rotary frequencies per forward pass: a scheme whose frequencies follow the running
 *   length (dynamic NTK) changes them at every decode step, so its decode rows are left out; its
 *   prefill rows are compared, and its per-call length is covered by chunk invariance.
 * - pre-softmax logits: it gives probabilities, so scores are compared as softmaxes over the keys
 *   a query could see; the scores of keys after the query (which dynamic block-sparse averages into
 *   its diagonal block) are not checked.
 * - GemFilter's first pass stops inside the model and ranks by summed logits: its selection is
 *   checked for form and chunk invariance only; the rerun on the kept tokens is compared.
 * - Quest's page bounds use rotated query and key vectors the reference does not expose: its
 *   selection is applied as the engine received it (kv-policies.test.ts checks the bounds).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, type ModelConfig } from '$lib/engine/config';
import { Engine, type Sequence } from '$lib/engine/engine';
import { composeHooks } from '$lib/engine/compose';
import type { Hooks, LayerContext, MaskContext, PositionPlan } from '$lib/engine/hooks';
import { referenceForward, type ReferenceResult } from '$lib/engine/reference';
import { alibiSlopes } from '$lib/engine/rope';
import { parseSafetensors } from '$lib/engine/safetensors';
import { loadWeights, type ModelWeights } from '$lib/engine/weights';
import { SLOTS, catalog, defaultExperiment, experimentHash, type Experiment } from '$lib/experiment';
import { alignChunk, runExperiment, type RunOptions, type RunResult } from '$lib/experiment/run';
import { policyTokens } from '$lib/cost/policy';
import { refusals, report, techniqueHooks } from '$lib/experiment/technique-hooks';
import { defaultValues, type ParamValues } from '$lib/params/param-spec';
import { createRng } from '$lib/random';
import { budgetFor } from '$lib/techniques/kv/select';
import { tokenCounter } from '$lib/techniques/prune-hooks';
import { prunable } from '$lib/techniques/pruning/params';
import { attentionPatterns, kvPolicies, positionSchemes, tokenPruners } from '$lib/techniques/registry';
import type { AttentionPattern, KvPolicy, PatternGrid, TokenPruner } from '$lib/techniques/types';
import { blockSpec } from '$lib/engine/block';
import { familyModel, type FamilyName } from '../fixtures/families';
import { fixtureModel } from '../fixtures/fixture-model';

// ---------------------------------------------------------------------------------------------
// Fixtures and cases

/**
 * Three layers: every pruner's default stages fit (a stage prunes after a layer and needs a
 * later one) and PyramidKV's budgets differ between layers. The ALiBi twin runs the one scheme
 * that needs a model trained with it.
 */
const fixture = (model: { config: Record<string, unknown>; safetensors: Uint8Array }) => {
	const config = parseConfig(model.config);
	const windows = blockSpec(config).layers.map((layer) => layer.window);
	return { model, config, windows, weights: loadWeights(parseSafetensors(model.safetensors), config), engine: null as Promise<Engine> | null };
};
type Fixture = ReturnType<typeof fixture>;
const FIXTURES = [fixtureModel({ seed: 31, layers: 3 }), fixtureModel({ seed: 31, layers: 3, positionEncoding: 'alibi' })].map(fixture);
/** A family's fixture as the lab runs it: byte tokens (the prompts are bytes), seed 31. */
const family = (name: FamilyName, overrides: Record<string, unknown> = {}) =>
	fixture(familyModel(name, { seed: 31, overrides: { vocab_size: 259, tokenizer: 'bytes', bos_token_id: 256, eos_token_id: 257, ...overrides } }));
/** Layers 1 and 2 slide, over 96 keys: the prompts outgrow the window, and Quest's 64-token budget selects within it. */
const QWEN2 = family('qwen2', { sliding_window: 96 });
const LLAMA3 = family('llama');
/**
 * Every layer slides (Mistral's rule; Phi-3's weights also come fused: qkv_proj, gate_up_proj), over
 * 280 keys: wider than the patterns' default windows (Λ-shape's 256 the widest), so they still leave keys out, and narrower
 * than the long prompt.
 */
const MISTRAL = family('mistral', { sliding_window: 280 });
const PHI3 = family('phi3', { sliding_window: 280 });
/** Learned positions (no rotation: every scheme that rotates refuses it), LayerNorms, a bias on every projection. */
const GPT2 = family('gpt2');
/**
 * Two sliding layers at their own RoPE base beside a full one (position schemes compose per
 * layer), q/k norms and (1 + w) norms; windows of 96 as Qwen2's.
 */
const GEMMA3 = family('gemma3', { sliding_window: 96 });
const engineOf = (fixture: Fixture) => (fixture.engine ??= Engine.load(fixture.model.config, fixture.model.safetensors));

const rng = createRng(5);
/** Policies and pruners act at any length; an awkward one that chunk sizes do not divide. */
const PROMPT = Array.from({ length: 123 }, () => rng.int(0, 258));
/** Past the fixture's 256 trained positions and every pattern's default reach, so defaults act. */
const LONG_PROMPT = Array.from({ length: 301 }, () => rng.int(0, 258));
/** Tokens fed after the prompt: decode masks, decode-time compression and revival run. */
const DECODED = [7, 11, 13];

const REGISTRY = { attn: attentionPatterns, kv: kvPolicies, prune: tokenPruners, pos: positionSchemes } as const;
type TechniqueSlot = keyof typeof REGISTRY;
const TECHNIQUE_SLOTS = SLOTS.filter((slot): slot is TechniqueSlot => slot !== 'task');

/**
 * MInference's vertical-slash estimates from the last queries of each prefill call, so a chunked
 * prefill estimates once per chunk, as MInference under chunked prefill does: its logits depend
 * on the chunking by design (its caches do not).
 */
const CHUNK_DEPENDENT_LOGITS = new Set(['vertical-slash']);

interface Case {
	name: string;
	slot: TechniqueSlot;
	id: string;
	params: ParamValues;
	/** The fixture models it may run on: the first that does not refuse it. */
	fixtures: Fixture[];
}

const techniqueCases: Omit<Case, 'fixtures'>[] = TECHNIQUE_SLOTS.flatMap((slot) =>
	REGISTRY[slot].flatMap((technique) => {
		const variants = [{ name: `${slot} ${technique.id}`, slot, id: technique.id, params: {} }];
		// The wrappers any scorer can take (kv/wrappers.ts), each in a variant of its own.
		if ('head_budgets' in technique.params) variants.push({ name: `${slot} ${technique.id} (AdaKV)`, slot, id: technique.id, params: { head_budgets: 'adaptive' } });
		if ('every' in technique.params) variants.push({ name: `${slot} ${technique.id} (every 2 steps)`, slot, id: technique.id, params: { every: 2 } });
		return variants;
	})
);

/** The cases again on a family's fixture, those it does not refuse. */
const onFamily = (label: string, f: Fixture, slots: readonly TechniqueSlot[]): Case[] =>
	techniqueCases
		.filter((c) => slots.includes(c.slot) && refusals(experimentFor({ ...c, fixtures: [] }), f.config).length === 0)
		.map((c) => ({ ...c, name: `${c.name} on ${label}`, fixtures: [f] }));

const cases: Case[] = [
	...techniqueCases.map((c) => ({ ...c, fixtures: FIXTURES })),
	...onFamily('Qwen2 with sliding layers', QWEN2, TECHNIQUE_SLOTS),
	...onFamily('Llama 3 (llama3 rope scaling)', LLAMA3, TECHNIQUE_SLOTS),
	...onFamily('Mistral', MISTRAL, TECHNIQUE_SLOTS),
	...onFamily('Phi-3', PHI3, TECHNIQUE_SLOTS),
	...onFamily('GPT-2', GPT2, TECHNIQUE_SLOTS),
	...onFamily('Gemma 3', GEMMA3, TECHNIQUE_SLOTS)
];

function experimentFor(c: Case): Experiment {
	const e: Experiment = { ...defaultExperiment(catalog), len: 128, depth: 0.4, seed: 3 };
	const option = catalog[c.slot].find((o) => o.id === c.id)!;
	e[c.slot] = { id: c.id, params: { ...defaultValues(option.params), ...c.params } };
	return e;
}

// ---------------------------------------------------------------------------------------------
// Recording what a run did

/** A position plan made concrete for one call: rotary position by original key position. */
interface Plan {
	query: Float64Array | null;
	keys: Map<number, number> | null;
	far: { fromDistance: number; query: Float64Array | null; keys: Map<number, number> | null } | null;
	invFreq: Float64Array | null;
	slopes: Float32Array | null;
	logitScale: number;
}

/** One attention call of one layer: its rows, the keys each KV head held, and what the hooks did. */
interface Call {
	layer: number;
	phase: 'prefill' | 'decode';
	queryPositions: number[];
	keyPositions: number[][];
	slots: number;
	plan: Plan | null;
	mask?: { mask: Uint8Array; perHead: boolean };
	/** Pre-mask logits [heads, T, slots], when a hook asked for them. */
	scores?: Float32Array;
	/** Probabilities [heads, T, slots], when a hook observed them. */
	probs?: Float32Array;
}

interface Eviction {
	phase: 'prefill' | 'decode';
	step: number;
	before: number[][][];
	after: number[][][];
}

interface Pruned {
	layer: number;
	phase: 'prefill' | 'decode';
	rows: number[];
	kept: number[];
}

const PLAN_FIELDS = new Set(['query', 'keys', 'invFreq', 'slopes', 'logitScale', 'far']);

function concretePlan(plan: PositionPlan | undefined, ctx: LayerContext): Plan | null {
	if (!plan) return null;
	const unknown = [...Object.keys(plan), ...Object.keys(plan.far ?? {})].filter((k) => !PLAN_FIELDS.has(k) && k !== 'fromDistance');
	if (unknown.length) throw new Error(`The reference cannot express the position plan's ${unknown.join(', ')}: teach referenceOptions.`);
	const keysOf = (f: PositionPlan['keys']) => {
		if (!f) return null;
		const byOriginal = new Map<number, number>();
		ctx.keyPositions.forEach((original, kvHead) => {
			const rotary = f(kvHead, original);
			original.forEach((o, s) => {
				// The reference gives each (query, key) pair one position, whichever head reads it.
				if (byOriginal.has(o) && byOriginal.get(o) !== rotary[s]) throw new Error(`Layer ${ctx.layer}: key ${o} gets different positions in different KV heads, which the reference cannot express.`);
				byOriginal.set(o, rotary[s]);
			});
		});
		return byOriginal;
	};
	return {
		query: plan.query ? Float64Array.from(plan.query) : null,
		keys: keysOf(plan.keys),
		far: plan.far ? { fromDistance: plan.far.fromDistance, query: plan.far.query ? Float64Array.from(plan.far.query) : null, keys: keysOf(plan.far.keys) } : null,
		invFreq: plan.invFreq ? Float64Array.from(plan.invFreq) : null,
		slopes: plan.slopes ? Float32Array.from(plan.slopes) : null,
		logitScale: plan.logitScale ?? 1
	};
}

const cachePositions = (seq: Sequence) => seq.cache.layers.map((heads) => heads.map((head) => Array.from(head.positions.subarray(0, head.length))));

/** The technique's hooks, watched: every call, eviction and pruning is recorded; nothing is changed. */
function recorded(inner: Hooks, detail: boolean) {
	const calls: Call[] = [];
	const evictions: Eviction[] = [];
	const pruned: Pruned[] = [];
	const current = () => calls[calls.length - 1];
	// Rows are read through the whole block here, so the record holds every score a pattern could read.
	const watched = (ctx: MaskContext): MaskContext => ({ ...ctx, scoreRows: undefined, scores: () => (detail ? (current().scores = ctx.scores()) : ctx.scores()) });
	const hooks: Hooks = {
		...inner,
		// The engine asks for positions first in every attention call: the call's record starts here.
		positions: (ctx) => {
			const plan = inner.positions?.(ctx);
			calls.push({
				layer: ctx.layer,
				phase: ctx.phase,
				queryPositions: Array.from(ctx.queryPositions),
				keyPositions: detail ? ctx.keyPositions.map((p) => Array.from(p)) : [],
				slots: ctx.slots,
				plan: detail ? concretePlan(plan, ctx) : null
			});
			return plan;
		},
		attentionMask: (ctx) => {
			const mask = inner.attentionMask?.(watched(ctx));
			if (detail && mask) current().mask = { mask: mask.mask.slice(), perHead: mask.perHead };
			return mask;
		},
		evict: (ctx) => {
			const before = ctx.cache.layers.map((heads) => heads.map((head) => Array.from(head.positions.subarray(0, head.length))));
			inner.evict?.(ctx);
			evictions.push({ phase: ctx.phase, step: ctx.step, before, after: ctx.cache.layers.map((heads) => heads.map((head) => Array.from(head.positions.subarray(0, head.length)))) });
		}
	};
	if (inner.observeScores) hooks.observeScores = (ctx) => inner.observeScores!(watched(ctx));
	if (inner.observe) {
		hooks.observe = (ctx, probs) => {
			if (detail) current().probs = probs.slice();
			inner.observe!(ctx, probs);
		};
	}
	if (inner.pruneTokens) {
		hooks.pruneTokens = (ctx, hidden) => {
			const kept = inner.pruneTokens!(ctx, hidden);
			if (kept) pruned.push({ layer: ctx.layer, phase: ctx.phase, rows: Array.from(ctx.queryPositions), kept: [...kept] });
			return kept;
		};
	}
	return { hooks, calls, evictions, pruned };
}

interface Trace {
	/** The prompt tokens the model read (after a first pass), and which ones the first pass kept. */
	ids: number[];
	firstPass: number[] | null;
	/** Logits by position, for every row that returned them. */
	logits: Map<number, Float32Array>;
	/** Cache positions, resident bytes after prefill and after each step; bytes read by each step. */
	caches: number[][][][];
	resident: number[];
	bytesRead: number[];
	tokensPerLayer: number[];
	density: number;
	calls: Call[];
	evictions: Eviction[];
	pruned: Pruned[];
}

async function runTrace(engine: Engine, e: Experiment, prompt: number[], options: { chunkSize?: number; detail?: boolean } = {}): Promise<Trace> {
	const { config } = engine;
	const V = config.vocabSize;
	const pruner = tokenPruners.find((p) => p.id === e.prune.id)!;
	let ids = prompt;
	let firstPass: number[] | null = null;
	if (pruner.firstPass) {
		firstPass = (await pruner.firstPass(engine, prompt, e.prune.params, options.chunkSize)).kept;
		ids = firstPass.map((i) => prompt[i]);
	}
	const stats = { causal: 0, kept: 0, massKept: 0, rows: 0 };
	const counter = tokenCounter(config.layers);
	const rec = recorded(composeHooks(techniqueHooks(e, stats, { config }), counter.hooks), !!options.detail);
	const seq = engine.sequence(rec.hooks);
	const logits = new Map<number, Float32Array>();
	const prefill = await seq.prefill(ids, { chunkSize: options.chunkSize, allLogits: true });
	seq.logitPositions.forEach((p, r) => logits.set(p, prefill.slice(r * V, (r + 1) * V)));
	const caches = [cachePositions(seq)];
	const resident = [seq.cache.residentBytes()];
	const bytesRead: number[] = [];
	for (const id of DECODED) {
		logits.set(seq.position, await seq.step(id));
		caches.push(cachePositions(seq));
		resident.push(seq.cache.residentBytes());
		bytesRead.push(seq.bytesReadLastStep);
	}
	const { calls, evictions, pruned } = rec;
	return { ids, firstPass, logits, caches, resident, bytesRead, tokensPerLayer: counter.tokensPerLayer, density: report(stats).density, calls, evictions, pruned };
}

// ---------------------------------------------------------------------------------------------
// The reference, given what the run did

interface Replay {
	/** Logits of rows before this position are comparable (see `cutoff` below). */
	cutoff: number;
	/** Whether logits carry ALiBi's bias (which the scores hooks see do not). */
	alibi: boolean;
	run(unmaskedFrom?: number): ReferenceResult;
}

function replay(fixture: Fixture, trace: Trace): Replay {
	const { config, weights } = fixture;
	const group = config.heads / config.kvHeads;
	const ids = [...trace.ids, ...DECODED];
	const rowCall = new Map<string, { call: Call; t: number; keyIndex: Map<number, number>[] }>();
	for (const call of trace.calls) {
		const keyIndex = call.keyPositions.map((keys) => new Map(keys.map((p, s) => [p, s])));
		call.queryPositions.forEach((p, t) => {
			const key = `${call.layer}/${p}`;
			// The reference computes each row of each layer once.
			if (rowCall.has(key)) throw new Error(`Layer ${call.layer} computed position ${p} twice, which the reference cannot express.`);
			rowCall.set(key, { call, t, keyIndex });
		});
	}
	const at = (layer: number, i: number) => rowCall.get(`${layer}/${i}`);

	// One set of frequencies and one logit scale per layer in a reference pass (a scheme composed
	// with per-layer bases, Gemma's, rotates each layer its own way): rows from the first call that
	// uses others on are not comparable (nor any row after it, which reads its keys and values).
	const first = trace.calls[0].plan;
	const firstOf = new Map<number, Plan | null>();
	for (const call of trace.calls) if (!firstOf.has(call.layer)) firstOf.set(call.layer, call.plan);
	const sameSettings = (layer: number, plan: Plan | null) =>
		(plan?.logitScale ?? 1) === (firstOf.get(layer)?.logitScale ?? 1) &&
		String(plan?.invFreq ?? null) === String(firstOf.get(layer)?.invFreq ?? null) &&
		String(plan?.slopes ?? null) === String(first?.slopes ?? null);
	let cutoff = ids.length;
	for (const call of trace.calls) if (!sameSettings(call.layer, call.plan)) cutoff = Math.min(cutoff, ...call.queryPositions);

	// The reference applies ALiBi (its own geometric slopes, by token positions) where its config
	// says so, and then rotates nothing: a hook's slopes are expressible on a model without RoPE.
	const slopes = first?.slopes ?? null;
	if (slopes) {
		const own = alibiSlopes(config.heads);
		if (config.positionEncoding === 'rope') throw new Error('ALiBi slopes on a RoPE model: the reference cannot both rotate and bias.');
		if (slopes.some((v, h) => Math.abs(v - own[h]) > 1e-7 * own[h])) throw new Error(`Slopes ${slopes.join(', ')} are not ALiBi's own, which the reference cannot express.`);
		if (trace.calls.some((call) => call.plan?.query || call.plan?.keys)) throw new Error('ALiBi by re-assigned positions, which the reference cannot express.');
	}
	const referenceConfig: ModelConfig = slopes ? { ...config, positionEncoding: 'alibi' } : config;

	// Each layer's own: a sliding layer holds other keys than a full one, and a scheme may place them otherwise.
	const pairPositions = (i: number, j: number, layer: number): [number, number] => {
		const row = at(layer, i);
		const plan = row?.call.plan;
		if (!row || !plan) return [i, j];
		const branch = plan.far && i - j >= plan.far.fromDistance ? plan.far : plan;
		return [branch.query ? branch.query[row.t] : i, branch.keys?.get(j) ?? j];
	};

	return {
		cutoff,
		alibi: referenceConfig.positionEncoding === 'alibi',
		run: (unmaskedFrom = Infinity) =>
			referenceForward(referenceConfig, weights, ids, {
				allowed: (layer, h, i, j) => {
					const row = at(layer, i);
					// A row this layer never computed (pruned): anything finite; no computed row reads it.
					if (!row) return j === i;
					const s = row.keyIndex[Math.floor(h / group)].get(j);
					if (s === undefined) return false;
					const mask = row.call.mask;
					if (!mask || layer >= unmaskedFrom) return true;
					const T = row.call.queryPositions.length;
					return mask.mask[((mask.perHead ? h : 0) * T + row.t) * row.call.slots + s] !== 0;
				},
				pairPositions,
				invFreq: (layer) => firstOf.get(layer)?.invFreq ?? undefined,
				logitScale: (layer) => firstOf.get(layer)?.logitScale ?? 1
			})
	};
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
};

/**
 * The largest difference between what a call showed its hooks for query head h and row t (a
 * row of [heads, T, slots], logits or probabilities) and the reference's probabilities there, over
 * the keys the row could see (within its layer's sliding window).
 */
function rowDifference(fixture: Fixture, alibi: boolean, call: Call, values: Float32Array, kind: 'logits' | 'probs', reference: Float32Array, T: number) {
	const { config } = fixture;
	const window = fixture.windows[call.layer] ?? Infinity;
	const group = config.heads / config.kvHeads;
	const slopes = alibiSlopes(config.heads);
	const Tc = call.queryPositions.length;
	let worst = 0;
	for (let h = 0; h < config.heads; h++) {
		const keys = call.keyPositions[Math.floor(h / group)];
		call.queryPositions.forEach((i, t) => {
			const visible = keys.map((j, s) => ({ j, s })).filter(({ j }) => j <= i && j > i - window);
			let shown = visible.map(({ j, s }) => values[(h * Tc + t) * call.slots + s] - (kind === 'logits' && alibi ? slopes[h] * (i - j) : 0));
			if (kind === 'logits') {
				const max = Math.max(...shown);
				const exp = shown.map((z) => Math.exp(z - max));
				const total = exp.reduce((a, b) => a + b, 0);
				shown = exp.map((v) => v / total);
			}
			visible.forEach(({ j }, n) => (worst = Math.max(worst, Math.abs(shown[n] - reference[(h * T + i) * T + j]))));
		});
	}
	return worst;
}

// ---------------------------------------------------------------------------------------------
// Per-slot contracts

/** The mask a pattern gives one call, per query head, recomputed from the pattern itself. */
function patternMismatches(pattern: AttentionPattern, params: ParamValues, call: Call, fixture: Fixture): string[] {
	const { config } = fixture;
	const group = config.heads / config.kvHeads;
	const T = call.queryPositions.length;
	const applies = !pattern.phases || pattern.phases.includes(call.phase);
	const problems: string[] = [];
	for (let h = 0; h < config.heads; h++) {
		const keys = call.keyPositions[Math.floor(h / group)];
		const S = keys.length;
		const grid: PatternGrid = {
			layer: call.layer,
			head: h,
			config,
			phase: call.phase,
			queryPositions: Int32Array.from(call.queryPositions),
			keyPositions: Int32Array.from(keys),
			scores: () => {
				if (!call.scores) throw new Error(`${pattern.name} reads scores that the engine never computed for it: is perHead right?`);
				const out = new Float32Array(T * S);
				for (let t = 0; t < T; t++) out.set(call.scores.subarray((h * T + t) * call.slots, (h * T + t) * call.slots + S), t * S);
				return out;
			},
			scoreRows: (from, to) => grid.scores().slice(from * S, to * S),
			window: fixture.windows[call.layer]
		};
		const expected = applies ? pattern.mask(params, grid) : new Uint8Array(T * S).fill(1);
		for (let t = 0; t < T; t++) {
			for (let s = 0; s < S; s++) {
				if (keys[s] > call.queryPositions[t]) continue;
				const applied = call.mask ? call.mask.mask[((call.mask.perHead ? h : 0) * T + t) * call.slots + s] : 1;
				if ((expected[t * S + s] !== 0) !== (applied !== 0)) problems.push(`layer ${call.layer} head ${h} query ${call.queryPositions[t]} key ${keys[s]}: pattern ${expected[t * S + s]}, engine ${applied}`);
			}
		}
	}
	return problems;
}

/** Lengths around each integer parameter's boundaries (and their sums and products), plus a long one. */
function lengthsToProbe(params: ParamValues, pattern: AttentionPattern): number[] {
	const values = Object.entries(pattern.params)
		.filter(([, spec]) => spec.kind === 'int')
		.map(([key]) => params[key] as number);
	const marks = [...values];
	for (let a = 0; a < values.length; a++) {
		for (let b = a + 1; b < values.length; b++) marks.push(values[a] + values[b], values[a] * values[b]);
	}
	if (values.length >= 3) marks.push(values.reduce((x, y) => x + y, 0));
	const lengths = new Set([1, 2, 3, 5, 3 * Math.max(16, ...values) + 7]);
	for (const m of marks) for (const n of [m - 1, m, m + 1, m + 2]) if (n >= 1 && n <= 4 * Math.max(16, ...values) + 8) lengths.add(n);
	return [...lengths].sort((a, b) => a - b);
}

/** Defaults, and every integer parameter small (where its range allows), so boundaries fall at small n. */
function paramsToProbe(pattern: AttentionPattern): ParamValues[] {
	const defaults = defaultValues(pattern.params);
	const small = { ...defaults };
	Object.entries(pattern.params).forEach(([key, spec], index) => {
		if (spec.kind === 'int') small[key] = Math.min(spec.max ?? Infinity, Math.max(spec.min ?? 0, 2 + 2 * index));
	});
	return [defaults, small];
}

/**
 * Keys a decode query at n − 1 reads per query head of each layer, by the pattern's own mask
 * (within the layer's sliding window, where given), averaged over the layer's heads.
 */
function readsByLayer(pattern: AttentionPattern, params: ParamValues, n: number, config: ModelConfig, windows: (number | null)[] = []): number[] {
	return Array.from({ length: config.layers }, (_, layer) => {
		const window = windows[layer] ?? Infinity;
		let total = 0;
		for (let head = 0; head < config.heads; head++) {
			if (pattern.phases && !pattern.phases.includes('decode')) {
				total += Math.min(n, window);
				continue;
			}
			const draw = createRng(1000 * n + 10 * layer + head);
			const scores = Float32Array.from({ length: n }, () => draw.next() * 8 - 4);
			const mask = pattern.mask(params, {
				layer,
				head,
				config,
				phase: 'decode',
				queryPositions: Int32Array.of(n - 1),
				keyPositions: Int32Array.from({ length: n }, (_, i) => i),
				scores: () => scores,
				scoreRows: () => scores,
				window: windows[layer] ?? null
			});
			total += mask.reduce((sum, v, j) => sum + (v && j > n - 1 - window ? 1 : 0), 0);
		}
		return total / config.heads;
	});
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Bytes the decode query at `position` read, by the masks its calls applied: per KV head, the keys any of its query heads kept. */
function readByCalls(fixture: Fixture, trace: Trace, position: number): number {
	const { heads, kvHeads, headDim } = fixture.config;
	const group = heads / kvHeads;
	let keys = 0;
	for (const call of trace.calls.filter((cl) => cl.phase === 'decode' && cl.queryPositions[0] === position)) {
		const window = fixture.windows[call.layer] ?? Infinity;
		call.keyPositions.forEach((held, kv) => {
			keys += held.filter((j, s) => {
				if (j > position || j <= position - window) return false;
				for (let h = kv * group; h < (kv + 1) * group; h++) if (!call.mask || call.mask.mask[(call.mask.perHead ? h : 0) * call.slots + s]) return true;
				return false;
			}).length;
		});
	}
	return keys * headDim * 8;
}

/** Entries a step at `next` − 1 lets go of on sliding layers: the position that left each window, where a head still held it. */
function slidOut(fixture: Fixture, before: number[][][], next: number): number {
	return fixture.windows.reduce<number>((sum, window, layer) => (window === null ? sum : sum + before[layer].filter((held) => held.includes(next - window)).length), 0);
}

/** Entries one KV head may keep, as the policy states it (kv-runtime's rule, written out). */
/** A head's budget, before it is held to what the head holds (AdaKV gives the excess to other heads). */
function budgetOf(policy: KvPolicy, params: ParamValues, at: { n: number; seen: number; layer: number; layers: number; kvHead: number }) {
	return Math.max(0, policy.budget?.(params, at) ?? budgetFor(params, at.seen));
}

const evicts = (policy: KvPolicy) => !policy.keepsAll && !policy.decodeMask && !!policy.score;

const ascending = (list: number[]) => list.every((v, i) => i === 0 || v > list[i - 1]);

// ---------------------------------------------------------------------------------------------
// Per-case state, made once and shared by the case's tests

interface State {
	fixture: Fixture;
	engine: Engine;
	experiment: Experiment;
	prompt: number[];
	trace: Trace;
	replay: Replay;
	reference: ReferenceResult;
}

const states = new Map<string, Promise<State>>();

function stateOf(c: Case): Promise<State> {
	let state = states.get(c.name);
	if (!state) {
		state = (async () => {
			const experiment = experimentFor(c);
			// The first fixture whose model the technique's defaults fit.
			const fixture = c.fixtures.find((f) => refusals(experiment, f.config).length === 0);
			if (!fixture) throw new Error(`No fixture model runs ${c.name} with its defaults: ${refusals(experiment, c.fixtures[0].config).join(' ')}`);
			const engine = await engineOf(fixture);
			const prompt = c.slot === 'attn' || c.slot === 'pos' ? LONG_PROMPT : PROMPT;
			const trace = await runTrace(engine, experiment, prompt, { detail: true });
			const r = replay(fixture, trace);
			return { fixture, engine, experiment, prompt, trace, replay: r, reference: r.run() };
		})();
		states.set(c.name, state);
	}
	return state;
}

/** Through the runner the app uses; the captured head's kept keys come back with the result. */
const RUN_OPTIONS = (engine: Engine): RunOptions => ({ capture: { layer: engine.config.layers - 1, head: 0 } });
const runs = new Map<string, Promise<RunResult>>();
function firstRun(c: Case): Promise<RunResult> {
	let run = runs.get(c.name);
	if (!run) {
		run = stateOf(c).then(({ engine, experiment }) => runExperiment(engine, experiment, RUN_OPTIONS(engine)));
		runs.set(c.name, run);
	}
	return run;
}

const techniqueOf = (c: Case) => REGISTRY[c.slot].find((t) => t.id === c.id)!;

// ---------------------------------------------------------------------------------------------
// The suite

describe('conformance', () => {
	it('covers every technique slot of the catalog, from the registry', () => {
		for (const slot of TECHNIQUE_SLOTS) expect(REGISTRY[slot].map((t) => t.id)).toEqual(catalog[slot].map((o) => o.id));
		expect(SLOTS.filter((slot) => slot !== 'task')).toEqual(Object.keys(REGISTRY));
	});

	it('runs every technique on GPT-2 and Gemma 3 but the position schemes their positions cannot take, refused with a reason', () => {
		const refused = (label: string, f: Fixture) =>
			techniqueCases.filter((c) => !cases.some((run) => run.name === `${c.name} on ${label}`)).map((c) => ({ name: c.name, why: refusals(experimentFor({ ...c, fixtures: [] }), f.config).join(' ') }));
		// Learned positions have nothing to rotate, rescale or remove.
		const gpt2 = refused('GPT-2', GPT2);
		expect(gpt2.map((r) => r.name)).toEqual(positionSchemes.filter((s) => s.id !== 'native').map((s) => `pos ${s.id}`));
		expect(gpt2.every((r) => /learned/.test(r.why))).toBe(true);
		// ALiBi needs a model trained with it.
		expect(refused('Gemma 3', GEMMA3).map((r) => r.name)).toEqual(['pos alibi']);
	});

	describe.each(cases)('$name', (c) => {
		// A case's traces hold every call's masks, scores and probabilities: let them go after it.
		afterAll(() => {
			states.delete(c.name);
			runs.delete(c.name);
		});

		it('engine = reference', async () => {
			const { fixture, experiment, trace, replay: r, reference } = await stateOf(c);
			const { config } = fixture;
			const V = config.vocabSize;
			const T = trace.ids.length + DECODED.length;
			expect(r.cutoff, 'at least every prompt row is comparable').toBeGreaterThanOrEqual(trace.ids.length);
			let compared = 0;
			for (const [position, logits] of trace.logits) {
				if (position >= r.cutoff) continue;
				expect({ position, diff: maxAbsDiff(logits, reference.logits.subarray(position * V, (position + 1) * V)) < 1e-4 }).toEqual({ position, diff: true });
				compared++;
			}
			expect(compared).toBeGreaterThan(0);

			// What the technique was shown is what the model computes: probabilities as the reference's
			// (under the same masks), logits as the reference's before this layer's mask.
			for (const call of trace.calls) {
				if (call.probs && Math.min(...call.queryPositions) < r.cutoff) {
					expect({ layer: call.layer, probs: rowDifference(fixture, r.alibi, call, call.probs, 'probs', reference.probs[call.layer], T) < 1e-4 }).toEqual({ layer: call.layer, probs: true });
				}
			}
			const scoredLayers = [...new Set(trace.calls.filter((call) => call.scores).map((call) => call.layer))];
			for (const layer of scoredLayers) {
				const unmasked = r.run(layer);
				for (const call of trace.calls.filter((cl) => cl.layer === layer && cl.scores && Math.max(...cl.queryPositions) < r.cutoff)) {
					expect({ layer, scores: rowDifference(fixture, r.alibi, call, call.scores!, 'logits', unmasked.probs[layer], T) < 1e-4 }).toEqual({ layer, scores: true });
				}
			}

			if (c.slot === 'attn') {
				const pattern = techniqueOf(c) as AttentionPattern;
				// The mask the engine applied is the pattern's own, for every query head.
				const problems = trace.calls.flatMap((call) => patternMismatches(pattern, experiment.attn.params, call, fixture));
				expect(problems.slice(0, 5)).toEqual([]);
				// The case tests something: the pattern left keys out.
				if (!pattern.keepsAll) expect(trace.density).toBeLessThan(1);
			}
		});

		// Determinism does not depend on the block: checked on the base fixtures only, to keep the suite's time.
		if (c.fixtures === FIXTURES) it('same seed, same result', async () => {
			const { engine, experiment, prompt, trace } = await stateOf(c);
			const again = await runTrace(engine, experiment, prompt);
			const essentials = (t: Trace) => ({ ...t, calls: t.calls.length, logits: [...t.logits] });
			expect(essentials(again)).toEqual(essentials(trace));

			// Through the runner the app uses: the prompt, tokens, statistics, the captured head's kept keys.
			const written = structuredClone(experiment);
			const outcome = async (run?: RunResult) => {
				const r = run ?? (await runExperiment(engine, experiment, RUN_OPTIONS(engine)));
				return { hash: r.hash, promptIds: r.promptIds, tokens: r.tokens, output: r.output, correct: r.correct, partial: r.partial, kv: r.kv, attention: r.attention, pruning: r.pruning, map: r.map };
			};
			const first = await outcome(await firstRun(c));
			expect(await outcome()).toEqual(first);
			expect(experiment, 'a run leaves its experiment as it was').toEqual(written);
			// The hash is the experiment's content, whatever order its fields were written in.
			const reversed = (o: object) => Object.fromEntries(Object.entries(o).reverse());
			const reordered = reversed({ ...experiment, [c.slot]: { params: reversed(experiment[c.slot].params), id: c.id } }) as Experiment;
			expect(experimentHash(reordered)).toBe(first.hash);
		});

		it('chunk-size invariance', async () => {
			const { engine, experiment, prompt, trace } = await stateOf(c);
			const technique = techniqueOf(c);
			// Chunks of 1 and 7, and cuts either side of the technique's smallest windows and budgets.
			const marks = [...new Set(Object.entries(technique.params).filter(([, spec]) => spec.kind === 'int').map(([key]) => experiment[c.slot].params[key] as number))]
				.filter((v) => v >= 3 && v < prompt.length - 1)
				.sort((a, b) => a - b)
				.slice(0, 2);
			const multiple = attentionPatterns.find((p) => p.id === experiment.attn.id)?.chunkMultiple?.(experiment.attn.params);
			const sizes = [...new Set([1, 7, ...marks.flatMap((v) => [v - 1, v + 1])].map((size) => alignChunk(size, multiple)))].filter((size) => size < prompt.length);
			expect(sizes.length).toBeGreaterThan(0);
			const shape = (t: Trace) => ({
				firstPass: t.firstPass,
				caches: t.caches,
				tokensPerLayer: t.tokensPerLayer,
				pruned: t.pruned.map(({ layer, phase, rows, kept }) => ({ layer, phase, kept: kept.map((r) => rows[r]) }))
			});
			for (const chunkSize of sizes) {
				const run = await runTrace(engine, experiment, prompt, { chunkSize });
				expect({ chunkSize, ...shape(run) }).toEqual({ chunkSize, ...shape(trace) });
				if (CHUNK_DEPENDENT_LOGITS.has(c.id)) continue;
				const worst = Math.max(...[...trace.logits].map(([p, logits]) => maxAbsDiff(run.logits.get(p)!, logits)));
				expect({ chunkSize, logitsDiffer: worst > 1e-4 }).toEqual({ chunkSize, logitsDiffer: false });
			}
		});

		it('reported resident tokens = measured resident bytes (and reads)', async () => {
			const { fixture, experiment, trace } = await stateOf(c);
			const policy = kvPolicies.find((p) => p.id === experiment.kv.id)!;
			const params = experiment.kv.params;
			const { layers, kvHeads, heads, headDim } = fixture.config;
			const perToken = layers * kvHeads * headDim * 8;
			// What the KV memory chart shows at context n: a context of n tokens compressed at once.
			const reported = (n: number) => policyTokens(experiment, fixture.config, n);
			const pruner = tokenPruners.find((p) => p.id === experiment.prune.id)!;
			const revives = !!pruner.revives?.(experiment.prune.params);
			// Sliding layers let go of what leaves their window. The chart counts tokens, not positions: where
			// a pruner drops tokens inside a window, the layer holds fewer than it says (an upper bound there).
			const slides = fixture.windows.some((w) => w !== null);
			const prunes = !!pruner.firstPass || pruner.stages(experiment.prune.params, fixture.config).length > 0;
			if (slides && prunes) expect(trace.resident[0]).toBeLessThanOrEqual(reported(trace.ids.length).resident * perToken + 1e-6);
			else expect(trace.resident[0]).toBeCloseTo(reported(trace.ids.length).resident * perToken, 6);
			// Later steps start from what is held: a decode-time compression keeps each head's full budget
			// of it (a layer's whole budget, under AdaKV), but evicted entries never come back, so where a
			// layer's budget grows again (PyramidKV's shape changes with the length) it stays below the chart.
			trace.evictions.slice(1).forEach((event, i) => {
				const k = i + 1;
				const compresses = evicts(policy) && !!policy.compressesAt?.(params, event.step);
				if (!compresses) {
					// Each step adds its token to every layer; a sliding layer lets go of the position that left its window.
					const grown = trace.resident[k - 1] + perToken - slidOut(fixture, trace.caches[k - 1], event.step) * headDim * 8;
					// Revived tokens (LazyLLM) re-enter the caches of the layers after their stage.
					if (revives) expect({ k, grew: trace.resident[k] >= grown }).toEqual({ k, grew: true });
					else expect({ k, bytes: trace.resident[k] }).toEqual({ k, bytes: grown });
					return;
				}
				let tokens = 0;
				event.before.forEach((heads, layer) => {
					const budgets = heads.map((before, kvHead) => budgetOf(policy, params, { n: before.length, seen: event.step, layer, layers, kvHead }));
					const held = heads.map((before) => before.length);
					// AdaKV's adaptive budgets pool the layer's budget between its heads; uniform ones stay per head.
					tokens += policy.allocate && params.head_budgets === 'adaptive'
						? Math.min(held.reduce((a, b) => a + b, 0), budgets.reduce((a, b) => a + b, 0))
						: held.reduce((sum, h, kvHead) => sum + Math.min(h, budgets[kvHead]), 0);
				});
				expect({ k, bytes: trace.resident[k] }).toEqual({ k, bytes: tokens * headDim * 8 });
				expect({ k, withinChart: trace.resident[k] <= reported(event.step).resident * perToken + 1e-6 }).toEqual({ k, withinChart: true });
			});

			// What a run reports (RunResult.kv): the chart at its prompt length, then one entry per head per step.
			const r = await firstRun(c);
			const grown = reported(r.promptIds.length).resident * perToken + r.timings.decodeSteps * perToken;
			// What sliding layers let go of, only the trace's caches show (above).
			if (slides && prunes) expect(r.kv.residentBytes).toBeGreaterThan(0);
			else if (slides && policy.keepsAll) expect(r.kv.residentBytes).toBeCloseTo(reported(r.promptIds.length + r.timings.decodeSteps).resident * perToken, 6);
			else if (slides) expect(r.kv.residentBytes).toBeLessThanOrEqual(grown + 1e-6);
			else if (!revives && !(evicts(policy) && policy.compressesAt)) expect(r.kv.residentBytes).toBeCloseTo(grown, 6);
			else expect(r.kv.residentBytes).toBeGreaterThan(0);

			// A pattern reads less than the cache holds: its own test below.
			if (c.slot === 'attn') return;
			if (!policy.decodeMask) {
				// A decode step reads what the cache holds, plus its own token (and the tokens it revives,
				// which nothing evicts: revival runs with the full cache only).
				trace.bytesRead.forEach((bytes, k) => {
					if (!revives) expect({ k, bytes }).toEqual({ k, bytes: trace.resident[k] + perToken });
					else if (!slides) expect({ k, bytes }).toEqual({ k, bytes: trace.resident[k + 1] });
					// A revived token joins a sliding layer's cache and may leave it again before the step ends: it holds no more than was read.
					else expect({ k, readsAllHeld: bytes >= trace.resident[k + 1] }).toEqual({ k, readsAllHeld: true });
				});
				return;
			}
			// A selection policy: each query head reads at most what the chart says it reads.
			const group = heads / kvHeads;
			DECODED.forEach((_, k) => {
				const n = trace.ids.length + k + 1;
				let read = 0;
				for (const call of trace.calls.filter((cl) => cl.phase === 'decode' && cl.queryPositions[0] === n - 1)) {
					for (let h = 0; h < heads; h++) {
						const keys = call.keyPositions[Math.floor(h / group)];
						read += call.mask ? keys.filter((_, s) => call.mask!.mask[(call.mask!.perHead ? h : 0) * call.slots + s]).length : keys.length;
					}
				}
				expect({ n, read: read / (layers * heads) <= reported(n).read + 1e-9 }).toEqual({ n, read: true });
			});
		});

		if (c.slot === 'kv') {
			it('kept keys within budget and ascending, after prefill and every decode step', async () => {
				const { fixture, experiment, trace } = await stateOf(c);
				const policy = techniqueOf(c) as KvPolicy;
				const params = experiment.kv.params;
				const { layers } = fixture.config;
				expect(trace.evictions.map((e) => e.phase)).toEqual(['prefill', ...DECODED.map(() => 'decode')]);
				for (const event of trace.evictions) {
					const seen = event.phase === 'prefill' ? trace.ids.length : event.step;
					const compresses = evicts(policy) && (event.phase === 'prefill' || !!policy.compressesAt?.(params, event.step));
					event.after.forEach((heads, layer) => {
						let total = 0;
						let budgets = 0;
						heads.forEach((after, kvHead) => {
							const before = event.before[layer][kvHead];
							const where = { phase: event.phase, step: event.step, layer, kvHead };
							expect({ ...where, ascending: ascending(after) }).toEqual({ ...where, ascending: true });
							const held = new Set(before);
							expect({ ...where, kept: after.every((p) => held.has(p)) }).toEqual({ ...where, kept: true });
							if (!compresses) expect({ ...where, after }).toEqual({ ...where, after: before });
							const budget = budgetOf(policy, params, { n: before.length, seen, layer, layers, kvHead });
							// AdaKV moves budget between a layer's heads; only the layer's total is bounded.
							if (!policy.allocate && compresses) expect({ ...where, within: after.length <= Math.min(before.length, budget) }).toEqual({ ...where, within: true });
							total += after.length;
							budgets += budget;
						});
						if (compresses) expect(total).toBeLessThanOrEqual(budgets);
					});
				}
				const prefill = trace.evictions[0];
				const dropped = prefill.before.flat().reduce((n, h) => n + h.length, 0) - prefill.after.flat().reduce((n, h) => n + h.length, 0);
				if (evicts(policy)) expect(dropped, 'the case tests something: the policy evicted').toBeGreaterThan(0);
				if (policy.decodeMask) {
					// A selection policy evicts nothing but reads less.
					const masked = trace.calls.some((call) => call.phase === 'decode' && call.mask && call.mask.mask.some((v, s) => v === 0 && s % call.slots < call.keyPositions[0].length));
					expect(masked, 'the case tests something: a decode step read less').toBe(true);
				}
			});
		}

		if (c.slot === 'prune') {
			it('kept rows ascending, the last one kept, the rest ranked by attention', async () => {
				const { fixture, experiment, prompt, trace, reference } = await stateOf(c);
				const pruner = techniqueOf(c) as TokenPruner;
				const params = experiment.prune.params;
				const { config } = fixture;
				const T = trace.ids.length + DECODED.length;
				if (trace.firstPass) {
					// The last prompt token is not required here: GemFilter's code keeps the top k wherever they fall.
					const kept = trace.firstPass;
					expect(ascending(kept) && kept.every((i) => Number.isInteger(i) && i >= 0 && i < prompt.length)).toBe(true);
					expect(kept.length).toBeGreaterThan(0);
				}
				const stageLayers = new Set(pruner.stages(params, config).map((s) => s.afterLayer));
				for (const event of trace.pruned) {
					const where = { phase: event.phase, layer: event.layer };
					expect({ ...where, ascending: ascending(event.kept), last: event.kept.at(-1) === event.rows.length - 1 }).toEqual({ ...where, ascending: true, last: true });
					if (event.kept.length < event.rows.length) expect({ ...where, stage: stageLayers.has(event.layer) }).toEqual({ ...where, stage: true });
					// Attention-ranked pruners keep the prunable rows the last prompt row attends to most
					// (averaged over heads), by the reference's probabilities.
					if (event.phase !== 'prefill' || pruner.ranking !== 'attention' || !('keep_last' in pruner.params)) continue;
					const last = trace.ids.length - 1;
					const attention = (j: number) => {
						let sum = 0;
						for (let h = 0; h < config.heads; h++) sum += reference.probs[event.layer][(h * T + last) * T + j];
						return sum / config.heads;
					};
					const keptPositions = new Set(event.kept.map((r) => event.rows[r]));
					const dropped = event.rows.filter((p) => !keptPositions.has(p));
					const keptPrunable = [...keptPositions].filter((p) => prunable(params, p, last));
					expect(dropped.every((p) => prunable(params, p, last)), 'only prunable rows are dropped').toBe(true);
					const floor = Math.min(...keptPrunable.map(attention));
					expect(dropped.filter((p) => attention(p) > floor + 1e-6)).toEqual([]);
				}
				const reduced = trace.firstPass ? trace.firstPass.length < prompt.length : trace.tokensPerLayer.some((n) => n < prompt.length);
				if (pruner.stages(params, config).length > 0) expect(reduced, 'the case tests something: tokens were pruned').toBe(true);
			});
		}

		if (c.slot === 'attn') {
			it('decode reads = the keys its mask leaves a decode query', async () => {
				const { fixture, trace } = await stateOf(c);
				const pattern = techniqueOf(c) as AttentionPattern;
				const { config } = fixture;
				for (const params of paramsToProbe(pattern)) {
					for (const n of lengthsToProbe(params, pattern)) {
						const byLayer = readsByLayer(pattern, params, n, config);
						expect({ n, params, reads: pattern.decodeReads(params, n, config) }).toEqual({ n, params, reads: expect.closeTo(mean(byLayer), 9) });
						byLayer.forEach((reads, layer) => expect({ n, params, layer, reads: pattern.decodeReads(params, n, config, layer) }).toEqual({ n, params, layer, reads: expect.closeTo(reads, 9) }));
					}
				}
				// The engine's bytes read by the first decode step, with every token in the cache.
				const { experiment } = await stateOf(c);
				const params = experiment.attn.params;
				const n = trace.ids.length + 1;
				const perKey = config.layers * config.kvHeads * config.headDim * 8;
				const reads = mean(readsByLayer(pattern, params, n, config, fixture.windows)) * perKey;
				// The chart reads no more than the pattern's own reads, held to each layer's window.
				if (!pattern.perHead) expect(trace.bytesRead[0]).toBeLessThanOrEqual(policyTokens(experiment, config, n).read * perKey + 1e-6);
				if (!pattern.perHead) expect(trace.bytesRead[0]).toBeCloseTo(reads, 6);
				// A sliding layer holds only its window, where scores pick other keys than on the synthetic grid: the masks the step applied.
				else if (fixture.windows.some((w) => w !== null)) expect(trace.bytesRead[0]).toBe(readByCalls(fixture, trace, n - 1));
				else {
					// A KV head is read for the union of its query heads' keys: between their mean and their sum.
					expect(trace.bytesRead[0]).toBeGreaterThanOrEqual(reads - 1e-6);
					expect(trace.bytesRead[0]).toBeLessThanOrEqual((config.heads / config.kvHeads) * reads + 1e-6);
				}
			});
		}
	});
});
