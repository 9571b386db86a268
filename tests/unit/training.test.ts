import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelDir } from '../../src/cli/model-dir';
import { exportModel } from '../../training/checkpoint';
import { sampleSequence, type TaskRanges } from '../../training/corpus';
import { forward, positionTables, type PositionEncoding } from '../../training/model';
import { tf } from '../../training/tf';
import { phaseAt, readConfig, train, type TrainConfig } from '../../training/train';
import { combineParts, partGradients } from '../../training/gradients';
import { initParams } from '../../training/model';
import { retrievalProgress } from '../../training/progress';

const config = readConfig('training/configs/tiny.json');

/** A sequence's bytes as text (the BOS token dropped). */
const textOf = (ids: number[]) => new TextDecoder().decode(Uint8Array.from(ids.filter((id) => id < 256)));

/** Trains straight through, and again stopping at `stop` then resuming: both must end with the same weights. */
async function trainTwiceWithResume(recipe: TrainConfig, stop: number) {
	const straight = await train(recipe, { runDir: mkdtempSync(join(tmpdir(), 'train-')), quiet: true });
	const losses = straight.state.log.map((entry) => entry.loss);
	expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
	const resumedDir = mkdtempSync(join(tmpdir(), 'train-'));
	await train(recipe, { runDir: resumedDir, untilStep: stop, quiet: true });
	const resumed = await train(recipe, { runDir: resumedDir, quiet: true });
	for (const [name, variable] of straight.params) {
		expect(Array.from(resumed.params.get(name)!.dataSync()), name).toEqual(Array.from(variable.dataSync()));
	}
	return straight;
}

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

	it('samples a phase\'s task parameter ranges and answer weight', () => {
		for (let seed = 0; seed < 10; seed++) {
			const sequence = sampleSequence(192, seed, { mix: { 'kv-retrieval': 1 }, answerWeight: 9, ranges: { 'kv-retrieval': { chars: [8, 8] } } });
			// The queried key and its value (the answer) are 8 hex digits each.
			expect(textOf(sequence.tokens)).toMatch(/The value of key "[0-9a-f]{8}" is "[0-9a-f]{8}"$/);
			expect(sequence.weights.slice(-9)).toEqual(new Array(9).fill(9));
			expect(sequence.weights.at(-10)).toBe(1);
		}
	});

	it('gives phases without their own ranges the config\'s', () => {
		const chars = (c: number): TaskRanges => ({ 'kv-questions': { chars: [c, c] } });
		const recipe: TrainConfig = { ...config, ranges: chars(2), curriculum: [{ until: 5, length: 64 }, { until: 10, length: 64, ranges: chars(3) }] };
		expect(phaseAt(recipe, 0).data.ranges).toEqual(chars(2));
		expect(phaseAt(recipe, 7).data.ranges).toEqual(chars(3));
		expect(phaseAt(recipe, 12).data.ranges).toEqual(chars(2));
		expect(phaseAt(config, 0).data.ranges).toBeUndefined();
	});

	it('builds copy sequences of digit words that repeat', () => {
		const text = textOf(sampleSequence(128, 3, { mix: { 'copy-digits': 1 } }).tokens);
		expect(text).toMatch(/^[0-9 ]{128}$/);
		// The second half starts over: its first 40 characters occur earlier.
		expect(text.slice(0, 64)).toContain(text.slice(70, 110).split(' ').slice(1, -1).join(' '));
		// A phase may set the word lengths.
		const long = textOf(sampleSequence(128, 3, { mix: { 'copy-digits': 1 }, ranges: { 'copy-digits': { letters: [7, 7] } } }).tokens);
		expect(long.split(' ').slice(1, -1).every((word) => word.length === 7)).toBe(true);
	});

	it('asks many key–value questions over one object, each answered from it', () => {
		for (let seed = 0; seed < 10; seed++) {
			const sequence = sampleSequence(256, seed, { mix: { 'kv-questions': 1 }, answerWeight: 5 });
			expect(sequence.tokens).toHaveLength(257);
			expect(sequence.weights).toHaveLength(256);
			const text = textOf(sequence.tokens);
			const object = new Map([...text.matchAll(/\n "([0-9a-f]+)": "([0-9a-f]+)",/g)].map((m) => [m[1], m[2]]));
			const questions = [...text.matchAll(/The value of key "([0-9a-f]+)" is "([0-9a-f]+)"/g)];
			expect(object.size).toBeGreaterThanOrEqual(1);
			expect(questions.length).toBeGreaterThanOrEqual(2);
			for (const [, key, value] of questions) expect(value).toBe(object.get(key));
			// The values after "is" (and their closing quotes) weigh 5; the first question's value is
			// the first weighted token.
			const firstAnswer = text.indexOf('" is "') + 6;
			expect(sequence.weights.indexOf(5)).toBe(firstAnswer);
		}
		// A phase may set the key length and the number of pairs.
		const pairs = (seed: number) => {
			const { tokens } = sampleSequence(128, seed, { mix: { 'kv-questions': 1 }, ranges: { 'kv-questions': { chars: [1, 1], pairs: [3, 3] } } });
			return [...textOf(tokens).matchAll(/\n "([0-9a-f]+)": "[0-9a-f]+",/g)].map((m) => m[1]);
		};
		for (let seed = 0; seed < 5; seed++) expect(pairs(seed).map((key) => key.length)).toEqual([1, 1, 1]);
	});

	it('draws disjoint key and value alphabets and marks where each answer must look', () => {
		for (let seed = 0; seed < 10; seed++) {
			const sequence = sampleSequence(128, seed, { mix: { 'kv-questions-disjoint': 1 }, ranges: { 'kv-questions-disjoint': { chars: [1, 2], pairs: [2, 4] } } });
			const text = textOf(sequence.tokens);
			const pairs = [...text.matchAll(/\n "([^"]+)": "([^"]+)",/g)];
			expect(pairs.length).toBeGreaterThanOrEqual(2);
			for (const [, key, value] of pairs) {
				expect(key).toMatch(/^[a-z]{1,2}$/);
				expect(value).toMatch(/^[0-9]{1,2}$/);
			}
			expect(new Set(pairs.map((p) => p[1])).size).toBe(pairs.length);
			// Each lookup starts where the answer's opening quote is read, and names its key's bytes.
			expect(sequence.lookups!.length).toBeGreaterThanOrEqual(1);
			for (const { from, key, value } of sequence.lookups!) {
				expect(textOf(sequence.tokens.slice(from - 5, from + 1))).toBe('" is "');
				const asked = textOf(sequence.tokens.slice(0, from + 1)).match(/key "([^"]+)" is "$/)![1];
				expect(textOf(key.map((i) => sequence.tokens[i]))).toBe(asked);
				// The value's bytes are the answer that follows (cut where the sequence ends).
				const answer = textOf(sequence.tokens.slice(from + 1, from + 1 + value.length));
				expect(answer.length).toBeGreaterThan(0);
				expect(textOf(value.map((i) => sequence.tokens[i])).slice(0, answer.length)).toBe(answer);
				expect(sequence.tokens[key[0] - 1]).toBe('"'.charCodeAt(0));
				expect(sequence.weights[from]).toBeGreaterThan(1);
			}
		}
	});

	it('asks each key once in the ask-once form, so that every weighted answer is a lookup in the object', () => {
		for (let seed = 0; seed < 10; seed++) {
			const sequence = sampleSequence(256, seed, { mix: { 'kv-questions-once': 1 }, answerWeight: 10, ranges: { 'kv-questions-once': { chars: [2, 2], pairs: [4, 16] } } });
			const text = textOf(sequence.tokens);
			const object = [...text.matchAll(/\n "([0-9a-f]{2})": "([0-9a-f]{2})",/g)].map((m) => m[1]);
			const lookups = sequence.lookups!;
			const asked = lookups.map(({ from }) => textOf(sequence.tokens.slice(0, from + 1)).match(/key "([0-9a-f]+)" is "$/)![1]);
			expect(new Set(asked).size).toBe(asked.length);
			asked.forEach((key) => expect(object).toContain(key));
			// Weighted answers (two characters and the quote) belong to lookups only; repeats weigh 1.
			expect(sequence.weights.filter((w) => w === 10).length).toBeLessThanOrEqual(3 * lookups.length);
			expect(sequence.weights.filter((w) => w === 10).length).toBeGreaterThanOrEqual(3 * (lookups.length - 1));
			for (const { from } of lookups) expect(sequence.weights[from]).toBe(10);
		}
		// The object may fill most of the length, as the lab's task fills it: 16 pairs fit in 256 bytes.
		const counts = Array.from({ length: 20 }, (_, seed) => (textOf(sampleSequence(256, seed, { mix: { 'kv-questions-once': 1 }, ranges: { 'kv-questions-once': { chars: [2, 2], pairs: [16, 16] } } }).tokens).match(/": "/g) ?? []).length);
		expect(Math.min(...counts)).toBeGreaterThanOrEqual(16);
	});

	it('measures key mass and previous-token attention as their definitions say', () => {
		// One sequence, 2 heads, T = 3; head 0 attends to the previous token, head 1 to token 0.
		const T = 3;
		const head0 = [1, 0, 0, 1, 0, 0, 0, 1, 0];
		const head1 = [1, 0, 0, 1, 0, 0, 1, 0, 0];
		const second = [1, 0, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5];
		const progress = retrievalProgress([Float32Array.from([...head0, ...head1]), Float32Array.from([...second, ...second])], 2, T, [[{ from: 2, key: [0], value: [1] }]]);
		// Previous token: head 0 of layer 0 puts 1 on t − 1 at t = 1 and t = 2.
		expect(progress.previousToken).toEqual({ value: 1, layer: 0, head: 0 });
		// Key mass from position 2 onto key 0: head 1 of layer 0 gives 1.
		expect(progress.keyMass).toEqual({ value: 1, layer: 0, head: 1 });
		// Value mass from position 2 onto token 1: head 0 of layer 0 gives 1.
		expect(progress.valueMass).toEqual({ value: 1, layer: 0, head: 0 });
		const later = retrievalProgress([Float32Array.from([...second, ...second])], 2, T, [[{ from: 2, key: [0, 1], value: [2] }]]);
		expect(later.keyMass.value).toBeCloseTo(0.5, 6);
		expect(later.previousToken.value).toBeCloseTo((0.5 + 0.3) / 2, 6);
		expect(later.valueMass.value).toBeCloseTo(0.5, 6);
	});

	it('starts a successor from another run\'s weights with fresh moments', async () => {
		const runs = mkdtempSync(join(tmpdir(), 'runs-'));
		const first = await train({ ...config, name: 'first' }, { runDir: join(runs, 'first'), quiet: true });
		const successor = await train({ ...config, name: 'next', init: 'first', steps: 1 }, { runDir: join(runs, 'next'), untilStep: 0, quiet: true });
		for (const [name, variable] of first.params) expect(Array.from(successor.params.get(name)!.dataSync()), name).toEqual(Array.from(variable.dataSync()));
		expect(successor.state.step).toBe(0);
	}, 120_000);

	it('lowers the loss, resumes exactly, and exports a model the engine runs identically', async () => {
		const straight = await trainTwiceWithResume(config, 3);

		const exportDir = mkdtempSync(join(tmpdir(), 'export-'));
		exportModel(exportDir, straight.shape, straight.params, config.length);
		const engine = await loadModelDir(exportDir);
		const ids = sampleSequence(40, 9).tokens.slice(0, 40);
		// In a batch of two, so that each sequence is seen to read its own keys and values.
		const other = sampleSequence(40, 10).tokens.slice(0, 40);
		const batch = tf.tensor2d([...other, ...ids], [2, 40], 'int32');
		const trainer = tf.tidy(() => forward(straight.shape, straight.params, batch, positionTables(straight.shape, 40)).dataSync()).slice(40 * config.model.vocab);
		const ours = await engine.sequence().prefill(ids, { allLogits: true });
		let max = 0;
		for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i] - trainer[i]));
		expect(max).toBeLessThan(1e-4);
	}, 120_000);

	for (const positionEncoding of ['alibi', 'none'] as PositionEncoding[]) {
		it(`exports a model with ${positionEncoding} positions that the engine runs as the trainer does`, async () => {
			const shape = { ...config.model, positionEncoding };
			const params = initParams(shape, 12);
			// Larger weights than initialisation gives, so that positions visibly change the logits.
			for (const variable of params.values()) variable.assign(tf.mul(variable, 4));
			const exportDir = mkdtempSync(join(tmpdir(), 'export-'));
			exportModel(exportDir, shape, params, config.length);
			const engine = await loadModelDir(exportDir);
			expect(engine.config.positionEncoding).toBe(positionEncoding);
			const ids = sampleSequence(40, 9).tokens.slice(0, 40);
			const trainer = tf.tidy(() => forward(shape, params, tf.tensor2d(ids, [1, 40], 'int32'), positionTables(shape, 40)).dataSync());
			const ours = await engine.sequence().prefill(ids, { allLogits: true });
			let max = 0;
			for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i] - trainer[i]));
			expect(max).toBeLessThan(1e-3);
			await engine.release();
		});
	}

	it('splits a batch into parts whose combined gradients are the whole batch\'s', () => {
		const params = initParams(config.model, 11);
		const seeds = [101, 102, 103, 104, 105];
		const part = (s: number[]) => ({ seeds: s, length: 48, data: { mix: config.mix } });
		const whole = partGradients(config.model, params, part(seeds));
		// Uneven parts with different loss weights (answer tokens weigh more).
		const combined = combineParts([partGradients(config.model, params, part(seeds.slice(0, 2))), partGradients(config.model, params, part(seeds.slice(2)))]);
		expect(combined.loss).toBeCloseTo(whole.loss, 5);
		whole.grads.forEach((g, i) => {
			const scale = Math.max(...g.map(Math.abs));
			g.forEach((x, k) => expect(Math.abs(combined.grads[i][k] - x)).toBeLessThan(1e-5 * scale + 1e-9));
		});
	});

	it('trains in two threads from a given step, lowers the loss and resumes exactly', async () => {
		// Steps 2–5 split over a worker thread; stop inside the split steps and resume.
		await trainTwiceWithResume({ ...config, dataParallel: { workers: 2, fromStep: 2 } }, 4);
	}, 120_000);

	it('rehearses sequences of another length in every step of a phase, in one thread or two alike', async () => {
		const rehearse = { batch: 2, length: 96, mix: { passkey: 1 } };
		const recipe: TrainConfig = { ...config, curriculum: [{ until: 6, length: 32, batch: 3, mix: { 'kv-questions-disjoint': 1 }, ranges: { 'kv-questions-disjoint': { chars: [1, 1], pairs: [2, 3] } }, rehearse }] };
		expect(phaseAt(recipe, 0).rehearse).toEqual({ batch: 2, length: 96, data: { mix: { passkey: 1 }, answerWeight: undefined, ranges: undefined } });
		const split = await trainTwiceWithResume({ ...recipe, dataParallel: { workers: 2, fromStep: 0 } }, 3);
		expect(split.state.tokens).toBe(6 * (3 * 32 + 2 * 96));
		const alone = await train(recipe, { runDir: mkdtempSync(join(tmpdir(), 'train-')), quiet: true });
		const without = await train({ ...recipe, curriculum: [{ ...recipe.curriculum[0], rehearse: undefined }] }, { runDir: mkdtempSync(join(tmpdir(), 'train-')), quiet: true });
		const distance = (a: typeof alone, b: typeof alone) => Math.max(...[...a.params].map(([name, v]) => Math.max(...Array.from(v.dataSync(), (x, i) => Math.abs(x - b.params.get(name)!.dataSync()[i])))));
		// Split or not, the same gradients up to float sums; without rehearsal, other weights.
		expect(distance(split, alone)).toBeLessThan(1e-4);
		expect(distance(alone, without)).toBeGreaterThan(1e-3);
	}, 120_000);
});
