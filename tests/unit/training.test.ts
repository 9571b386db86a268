import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelDir } from '../../src/cli/model-dir';
import { exportModel } from '../../training/checkpoint';
import { sampleSequence } from '../../training/corpus';
import { forward, ropeTables } from '../../training/model';
import { tf } from '../../training/tf';
import { readConfig, train } from '../../training/train';

const config = readConfig('training/configs/tiny.json');

describe('training', () => {
	it('builds sequences of exact length with weighted answers', () => {
		for (let seed = 0; seed < 30; seed++) {
			const sequence = sampleSequence(128, seed);
			expect(sequence.tokens).toHaveLength(129);
			expect(sequence.weights).toHaveLength(128);
			expect(sequence.tokens[0]).toBe(256);
		}
		expect(Array.from({ length: 30 }, (_, s) => sampleSequence(128, s).weights.some((w) => w > 1)).some(Boolean)).toBe(true);
		expect(sampleSequence(128, 5)).toEqual(sampleSequence(128, 5));
	});

	it('lowers the loss, resumes exactly, and exports a model the engine runs identically', async () => {
		const straight = await train(config, { runDir: mkdtempSync(join(tmpdir(), 'train-')), quiet: true });
		const losses = straight.state.log.map((entry) => entry.loss);
		expect(losses[losses.length - 1]).toBeLessThan(losses[0]);

		// Stop at step 3, then resume to 6: the same weights as the straight run.
		const resumedDir = mkdtempSync(join(tmpdir(), 'train-'));
		await train(config, { runDir: resumedDir, untilStep: 3, quiet: true });
		const resumed = await train(config, { runDir: resumedDir, quiet: true });
		for (const [name, variable] of straight.params) {
			expect(Array.from(resumed.params.get(name)!.dataSync()), name).toEqual(Array.from(variable.dataSync()));
		}

		const exportDir = mkdtempSync(join(tmpdir(), 'export-'));
		exportModel(exportDir, straight.shape, straight.params, config.length);
		const engine = await loadModelDir(exportDir);
		const ids = sampleSequence(40, 9).tokens.slice(0, 40);
		const trainer = tf.tidy(() => forward(straight.shape, straight.params, tf.tensor2d(ids, [1, 40], 'int32'), ropeTables(straight.shape, 40)).dataSync());
		const ours = await engine.sequence().prefill(ids, { allLogits: true });
		let max = 0;
		for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i] - trainer[i]));
		expect(max).toBeLessThan(1e-4);
	}, 120_000);
});
