/**
 * A run's result must not depend on how its prefill was chunked: the lab picks chunk sizes by
 * itself for long prompts, and the CLI has --chunk. For every registered KV policy (and its
 * AdaKV variant where it scores entries) and every token pruner, the keys each cache keeps and the
 * tokens each layer reads are the same for chunk sizes T, 1, 7, w − 1 and w + 1, where w is the
 * observation window, on a prompt of awkward length.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '$lib/engine/config';
import { Engine, type Sequence } from '$lib/engine/engine';
import { mergeHooks } from '$lib/engine/hooks';
import { catalog, defaultExperiment, type Experiment } from '$lib/experiment';
import { defaultValues, type ParamValues } from '$lib/experiment/param-spec';
import { createRng } from '$lib/random';
import { techniqueHooks } from '$lib/techniques/hooks';
import { gemFilterSelect } from '$lib/techniques/pruning/gemfilter-select';
import { tokenCounter } from '$lib/techniques/prune-hooks';
import { kvPolicies, tokenPruners } from '$lib/techniques/registry';
import { fixtureModel } from '../fixtures/fixture-model';

const model = fixtureModel({ seed: 31, layers: 3 });
const config = parseConfig(model.config);
const rng = createRng(5);
const PROMPT = Array.from({ length: 123 }, () => rng.int(0, 258));
/** Tokens fed after the prompt, so policies that also compress while decoding are covered. */
const DECODED = [7, 11, 13];
const stats = () => ({ causal: 0, kept: 0, massKept: 0, rows: 0 });

function experimentWith(slot: 'kv' | 'prune', id: string, params: ParamValues): Experiment {
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
		const seq = engine.sequence(mergeHooks(techniqueHooks(experiment, stats(), { config }), counter.hooks));
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
	const adaptive = policy.scores ? [{ name: `${policy.id} (AdaKV)`, id: policy.id, params: { head_budgets: 'adaptive' } }] : [];
	// Decode-time compression too, where the policy offers it.
	const every = 'every' in policy.params ? [{ name: `${policy.id} (every 2 steps)`, id: policy.id, params: { every: 2 } }] : [];
	return [base, ...adaptive, ...every];
});

describe('chunked prefill keeps the same keys and tokens', { timeout: 120_000 }, () => {
	let engine: Engine;
	const load = async () => (engine ??= await Engine.load(model.config, model.safetensors));

	it.each(policyCases)('KV policy $name', async ({ id, params }) => {
		const experiment = experimentWith('kv', id, params);
		const window = (experiment.kv.params.window as number | undefined) ?? 16;
		const [whole, ...chunked] = await keptByChunk(await load(), experiment, chunkSizesFor(window));
		for (const run of chunked) expect({ chunkSize: run.chunkSize, kept: run.kept }).toEqual({ chunkSize: run.chunkSize, kept: whole.kept });
		// The case must test something: the policy evicted (or, for selection-only policies, kept all).
		const evicts = whole.kept[0][0][0].length < PROMPT.length;
		expect(evicts).toBe(!['full', 'quest'].includes(id));
	});

	it.each(tokenPruners.filter((p) => p.id !== 'gemfilter').map((p) => ({ id: p.id })))('token pruner $id', async ({ id }) => {
		const experiment = experimentWith('prune', id, {});
		const [whole, ...chunked] = await keptByChunk(await load(), experiment, chunkSizesFor(16));
		for (const run of chunked) {
			expect({ chunkSize: run.chunkSize, kept: run.kept, tokens: run.tokensPerLayer }).toEqual({ chunkSize: run.chunkSize, kept: whole.kept, tokens: whole.tokensPerLayer });
		}
		if (id !== 'none') expect(whole.kept[0][config.layers - 1][0].length).toBeLessThan(PROMPT.length);
	});

	it('token pruner gemfilter', async () => {
		const params = { ...defaultValues(tokenPruners.find((p) => p.id === 'gemfilter')!.params), layer: 1, topk: 40 };
		const whole = await gemFilterSelect(await load(), PROMPT, params);
		expect(whole).toHaveLength(40);
		for (const chunkSize of chunkSizesFor(16).slice(1)) expect(await gemFilterSelect(engine, PROMPT, params, chunkSize)).toEqual(whole);
	});
});
