import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelDir } from '../../src/cli/model-dir';
import { catalog, defaultExperiment } from '$lib/experiment/index';
import { defaultValues } from '$lib/params/param-spec';
import { runExperiment } from '$lib/experiment/run';

const DIR = 'static/models/lab-rope';
/** Held out: training draws its seeds from a hashed stream; eval:model uses 900 000 + i. */
const SEEDS = [700_001, 700_002, 700_003, 700_004, 700_005, 700_006];
const DEPTHS = [0, 0.2, 0.4, 0.6, 0.8, 1];

describe('the shipped lab model', async () => {
	const engine = await loadModelDir(DIR);
	const card = JSON.parse(readFileSync(join(DIR, 'card.json'), 'utf8'));

	it('answers fixed-seed passkey prompts at its training length, needle at every depth', async () => {
		const answers = [];
		for (const [i, seed] of SEEDS.entries()) {
			const experiment = { ...defaultExperiment(catalog), model: 'lab-rope', task: { id: 'passkey', params: defaultValues(catalog.task.find((t) => t.id === 'passkey')!.params) }, len: engine.config.maxPositions, depth: DEPTHS[i], seed };
			const result = await runExperiment(engine, experiment, {});
			answers.push({ seed, expected: result.expected, output: result.output.trim(), correct: result.correct });
		}
		expect(answers.filter((a) => !a.correct)).toEqual([]);
	}, 60_000);

	it('has a model card that lists its retrieval heads and describes these weights', () => {
		expect(card.retrievalHeads.length).toBeGreaterThan(0);
		const training = JSON.parse(readFileSync(join(DIR, 'training.json'), 'utf8'));
		expect(card.training.steps).toBe(training.steps);
		expect(card.passkeyAtTrainedLength.correct).toBeGreaterThan(0);
	});
});
