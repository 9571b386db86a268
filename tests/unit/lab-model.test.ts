import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelDir } from '../../src/cli/model-dir';
import { catalog, defaultExperiment } from '$lib/experiment/index';
import { defaultValues } from '$lib/params/param-spec';
import { runExperiment } from '$lib/experiment/run';

/** Every model the lab ships (static/models/index.json). */
const SHIPPED: { id: string }[] = JSON.parse(readFileSync('static/models/index.json', 'utf8'));
/** Held out: training draws its seeds from a hashed stream; eval:model uses 900 000 + i. */
const SEEDS = [700_001, 700_002, 700_003, 700_004, 700_005, 700_006];
const DEPTHS = [0, 0.2, 0.4, 0.6, 0.8, 1];

describe.each(SHIPPED)('the shipped lab model $id', async ({ id }) => {
	const dir = join('static/models', id);
	const engine = await loadModelDir(dir);
	const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8'));

	/** The card's share of whole answers for a task row at the trained length (eval.json, measured by the engine). */
	const rateOf = (task: string) => {
		const cells = (card.evaluation?.cells ?? []).filter((c: { task: string; length: number }) => c.task === task && c.length === engine.config.maxPositions);
		return cells.reduce((n: number, c: { correct: number }) => n + c.correct, 0) / Math.max(1, cells.reduce((n: number, c: { total: number }) => n + c.total, 0));
	};
	const passkeys = async () => {
		const answers = [];
		for (const [i, seed] of SEEDS.entries()) {
			const experiment = { ...defaultExperiment(catalog), model: id, task: { id: 'passkey', params: defaultValues(catalog.task.find((t) => t.id === 'passkey')!.params) }, len: engine.config.maxPositions, depth: DEPTHS[i], seed };
			const result = await runExperiment(engine, experiment, {});
			answers.push({ seed, expected: result.expected, output: result.output.trim(), correct: result.correct });
		}
		return answers;
	};
	const learnedPasskeys = rateOf('passkey') >= 0.9;

	it.runIf(learnedPasskeys)('answers fixed-seed passkey prompts at its training length, needle at every depth', async () => {
		expect((await passkeys()).filter((a) => !a.correct)).toEqual([]);
	}, 60_000);

	// A model that did not learn the pass key in its budget ships saying so (issue 28): its card and its answers agree.
	it.runIf(!learnedPasskeys)('says on its card that it misses the pass-key target, and misses fixed-seed pass keys', async () => {
		expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/\*\*Targets not met\*\*: passkey( \([^)]*\))? \d+ % at the trained length \(target 90 %\)/);
		expect((await passkeys()).filter((a) => a.correct).length).toBeLessThan(SEEDS.length);
	}, 60_000);

	// A model whose card says it retrieves 2-character keys (kv-retrieval-2 ≥ 80 % at its training length) answers fixed-seed ones.
	it.runIf(rateOf('kv-retrieval-2') >= 0.8)('answers fixed-seed key–value questions with 2-character keys at its training length', async () => {
		const wrong = [];
		for (const [i, seed] of SEEDS.entries()) {
			const experiment = { ...defaultExperiment(catalog), model: id, task: { id: 'kv-retrieval', params: { ...defaultValues(catalog.task.find((t) => t.id === 'kv-retrieval')!.params), chars: 2 } }, len: engine.config.maxPositions, depth: DEPTHS[i], seed };
			const result = await runExperiment(engine, experiment, {});
			if (!result.correct) wrong.push({ seed, expected: result.expected, output: result.output });
		}
		expect(wrong).toEqual([]);
	}, 60_000);

	it('has a model card that names it, lists its retrieval heads and describes these weights', () => {
		expect(card.name).toBe(id);
		expect(card.architecture.positionEncoding).toBe(engine.config.positionEncoding);
		const training = JSON.parse(readFileSync(join(dir, 'training.json'), 'utf8'));
		expect(card.training.steps).toBe(training.steps);
		// Retrieval heads are scored on the pass keys the model copies: a model that copies none has none to list.
		if (learnedPasskeys) {
			expect(card.retrievalHeads.length).toBeGreaterThan(0);
			expect(card.passkeyAtTrainedLength.correct).toBeGreaterThan(0);
		}
	});
});
