/**
 * A run's result must not depend on how its prefill was chunked: the lab picks chunk sizes by
 * itself for long prompts, and the CLI has --chunk. For every registered KV policy (and its
 * AdaKV and decode-time variants) and every token pruner, the keys each cache keeps and the tokens
 * each layer reads are the same for chunk sizes T, 1, 7, w − 1 and w + 1, where w is the
 * observation window, on a prompt of awkward length; for every attention pattern and position
 * scheme, so are the logits.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '$lib/engine/config';
import { Engine, type Sequence } from '$lib/engine/engine';
import { composeHooks } from '$lib/engine/compose';
import { catalog, defaultExperiment, type Experiment } from '$lib/experiment';
import { defaultValues, type ParamValues } from '$lib/params/param-spec';
import { alignChunk } from '$lib/experiment/run';
import { createRng } from '$lib/random';
import { report, techniqueHooks } from '$lib/experiment/technique-hooks';
import { gemFilterSelect } from '$lib/techniques/pruning/gemfilter-select';
import { tokenCounter } from '$lib/techniques/prune-hooks';
import { attentionPatterns, kvPolicies, positionSchemes, tokenPruners } from '$lib/techniques/registry';
import { fixtureModel } from '../fixtures/fixture-model';

const model = fixtureModel({ seed: 31, layers: 3 });
const config = parseConfig(model.config);
const rng = createRng(5);
const PROMPT = Array.from({ length: 123 }, () => rng.int(0, 258));
/** Long enough that MInference's 100 forced diagonals leave keys out. */
const LONG_PROMPT = Array.from({ length: 301 }, () => rng.int(0, 258));
/** Tokens fed after the prompt, so policies that also compress while decoding are covered. */
const DECODED = [7, 11, 13];
const stats = () => ({ causal: 0, kept: 0, massKept: 0, rows: 0 });
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

function experimentWith(slot: 'attn' | 'kv' | 'prune' | 'pos', id: string, params: ParamValues): Experiment {
	const experiment = defaultExperiment(catalog);
	const option = catalog[slot].find((o) => o.id === id)!;
	experiment[slot] = { id, params: { ...defaultValues(option.params), ...params } };
	return experiment;
}

/** Positions each layer's KV heads hold, after prefill and after each decoded token. */
function cachePositions(seq: Sequence): number[][][] {
	return seq.cache.layers.map((heads) => heads.map((head) => Array.from(head.positions.subarray(0, head.length))));
}

async function keptByChunk(engine: Engine, experiment: Experiment, chunkSizes: number[]) {
	const runs = [];
	for (const chunkSize of chunkSizes) {
		const counter = tokenCounter(config.layers);
		const seq = engine.sequence(composeHooks(techniqueHooks(experiment, stats(), { config }), counter.hooks));
		await seq.prefill(PROMPT, { chunkSize });
		const kept = [cachePositions(seq)];
		for (const id of DECODED) {
			await seq.step(id);
			kept.push(cachePositions(seq));
		}
		runs.push({ chunkSize, kept, tokensPerLayer: counter.tokensPerLayer });
	}
	return runs;
}

const chunkSizesFor = (window: number) => [PROMPT.length, 1, 7, window - 1, window + 1];

const policyCases = kvPolicies.flatMap((policy) => {
	const base = { name: policy.id, id: policy.id, params: {} as ParamValues };
	const adaptive = 'head_budgets' in policy.params ? [{ name: `${policy.id} (AdaKV)`, id: policy.id, params: { head_budgets: 'adaptive' } }] : [];
	// Decode-time compression too, where the policy offers it.
	const every = 'every' in policy.params ? [{ name: `${policy.id} (every 2 steps)`, id: policy.id, params: { every: 2 } }] : [];
	return [base, ...adaptive, ...every];
});

describe('chunked prefill keeps the same keys and tokens', () => {
	let engine: Engine;
	const load = async () => (engine ??= await Engine.load(model.config, model.safetensors));

	it.each(policyCases)('KV policy $name', async ({ id, params }) => {
		const experiment = experimentWith('kv', id, params);
		const window = (experiment.kv.params.window as number | undefined) ?? 16;
		const [whole, ...chunked] = await keptByChunk(await load(), experiment, chunkSizesFor(window));
		for (const run of chunked) expect({ chunkSize: run.chunkSize, kept: run.kept }).toEqual({ chunkSize: run.chunkSize, kept: whole.kept });
		// The case must test something: the policy evicted (or, for selection-only policies, kept all).
		const evicts = whole.kept[0][0][0].length < PROMPT.length;
		const policy = kvPolicies.find((p) => p.id === id)!;
		expect(evicts).toBe(!policy.keepsAll && !policy.decodeMask);
	});

	it.each(tokenPruners.filter((p) => p.id !== 'gemfilter').map((p) => ({ id: p.id })))('token pruner $id', async ({ id }) => {
		const experiment = experimentWith('prune', id, {});
		const [whole, ...chunked] = await keptByChunk(await load(), experiment, chunkSizesFor(16));
		for (const run of chunked) {
			expect({ chunkSize: run.chunkSize, kept: run.kept, tokens: run.tokensPerLayer }).toEqual({ chunkSize: run.chunkSize, kept: whole.kept, tokens: whole.tokensPerLayer });
		}
		if (id !== 'none') expect(whole.kept[0][config.layers - 1][0].length).toBeLessThan(PROMPT.length);
	});

	/**
	 * Patterns and position schemes change no cache entry: their whole effect is in the logits.
	 * Knobs are set so each pattern leaves out keys of a 301-token prompt (its defaults fit longer ones).
	 */
	const SPARSE: Record<string, ParamValues> = {
		window: { window: 16 },
		'sink-window': { window: 16 },
		lambda: { local: 16 },
		dilated: { window: 16 },
		strided: { stride: 8 },
		'block-sparse': { block: 8 },
		'a-shape': { local: 16 },
		'dynamic-block-sparse': { block: 8, blocks: 2 },
		'top-k': { k: 8 },
		'per-layer': { window: 16 },
		'per-head': { recent: 16 }
	};
	const logitCases = [
		// MInference's vertical-slash estimates from the last queries of each prefill call, so a chunked
		// prefill estimates once per chunk (as MInference under chunked prefill does): left out here.
		...attentionPatterns.filter((p) => p.id !== 'vertical-slash').map((p) => ({ name: `attention pattern ${p.id}`, slot: 'attn' as const, id: p.id, params: SPARSE[p.id] ?? {} })),
		...positionSchemes.filter((s) => !s.refuse(defaultValues(s.params), config)).map((s) => ({ name: `position scheme ${s.id}`, slot: 'pos' as const, id: s.id, params: {} }))
	];
	it.each(logitCases)('$name', async ({ slot, id, params }) => {
		const experiment = experimentWith(slot, id, params);
		const runs = [];
		const multiple = attentionPatterns.find((p) => p.id === experiment.attn.id)?.chunkMultiple?.(experiment.attn.params);
		for (const chunkSize of [LONG_PROMPT.length, 1, 7, 15, 17].map((size) => alignChunk(size, multiple))) {
			const counted = stats();
			const seq = (await load()).sequence(techniqueHooks(experiment, counted, { config }));
			runs.push({ chunkSize, logits: await seq.prefill(LONG_PROMPT, { chunkSize, allLogits: true }), density: report(counted).density });
		}
		const [whole, ...chunked] = runs;
		for (const run of chunked) expect({ chunkSize: run.chunkSize, differs: maxAbsDiff(run.logits, whole.logits) > 1e-4 }).toEqual({ chunkSize: run.chunkSize, differs: false });
		if (slot === 'attn' && id !== 'full') expect(whole.density).toBeLessThan(1);
	});

	it('token pruner gemfilter', async () => {
		const params = { ...defaultValues(tokenPruners.find((p) => p.id === 'gemfilter')!.params), layer: 1, topk: 40 };
		const whole = await gemFilterSelect(await load(), PROMPT, params);
		expect(whole).toHaveLength(40);
		for (const chunkSize of chunkSizesFor(16).slice(1)) expect(await gemFilterSelect(engine, PROMPT, params, chunkSize)).toEqual(whole);
	});
});
