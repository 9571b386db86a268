/**
 * A saved set of runs, one per registered technique (and its KV policy's AdaKV variant), on the
 * seeded fixture model: restructuring must leave every experiment hash and result identical.
 * After an intended change of results, rewrite the file with `SAVE_RUNS=1 npx vitest run
 * tests/unit/saved-runs.test.ts` and say why in the commit.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelDir } from '../../src/cli/model-dir';
import type { Engine } from '$lib/engine/engine';
import { SLOTS, catalog, defaultExperiment, type Experiment } from '$lib/experiment';
import { defaultValues, type ParamValues } from '$lib/params/param-spec';
import { RunError, runExperiment } from '$lib/experiment/run';
import { TaskError } from '$lib/tasks/types';

const FILE = 'tests/fixtures/saved-runs.json';
const SAVE = process.env.SAVE_RUNS === '1';

function experiment(slot: (typeof SLOTS)[number], id: string, params: ParamValues = {}): Experiment {
	const e = { ...defaultExperiment(catalog), model: 'tiny-gqa', len: 300, depth: 0.4, seed: 3 };
	const option = catalog[slot].find((o) => o.id === id)!;
	e[slot] = { id, params: { ...defaultValues(option.params), ...params } };
	return e;
}

/** The fixture has two layers: pruners stage after its first. */
const FITTING: Record<string, ParamValues> = { fastv: { k: 1 }, 'pyramid-drop': { layers: [0] }, lazyllm: { layers: [0] } };

const cases = SLOTS.flatMap((slot) =>
	catalog[slot].flatMap((option) => {
		const variants = [{ name: `${slot}=${option.id}`, experiment: experiment(slot, option.id, FITTING[option.id]) }];
		if ('head_budgets' in option.params) variants.push({ name: `${slot}=${option.id} (AdaKV)`, experiment: experiment(slot, option.id, { head_budgets: 'adaptive' }) });
		return variants;
	})
);

/** What a run produced, without its timings. */
async function outcome(engine: Engine, e: Experiment) {
	try {
		const r = await runExperiment(engine, e, { measureRecall: true });
		return {
			hash: r.hash,
			promptIds: r.promptIds,
			tokens: r.tokens,
			correct: r.correct,
			partial: r.partial,
			kv: r.kv,
			attention: r.attention,
			pruning: r.pruning
		};
	} catch (error) {
		if (error instanceof RunError || error instanceof TaskError) return { refused: error.message };
		throw error;
	}
}

describe('saved runs', () => {
	const saved: Record<string, unknown> = !SAVE && existsSync(FILE) ? JSON.parse(readFileSync(FILE, 'utf8')) : {};
	const fresh: Record<string, unknown> = {};
	let engine: Engine;
	afterAll(() => {
		if (SAVE) writeFileSync(FILE, `${JSON.stringify(fresh, null, '\t')}\n`);
	});

	it.each(cases)('$name', async ({ name, experiment: e }) => {
		engine ??= await loadModelDir('tests/fixtures/tiny-gqa');
		// A JSON round trip, so the comparison sees what the file can hold.
		fresh[name] = JSON.parse(JSON.stringify(await outcome(engine, e)));
		if (!SAVE) expect(fresh[name]).toEqual(saved[name]);
	});

	it('covers every registered technique', () => {
		if (!SAVE) expect(Object.keys(saved).sort()).toEqual(cases.map((c) => c.name).sort());
	});
});
