/**
 * `npm run train -- --config training/configs/lab-rope.json [--max-minutes N] [--export DIR]`
 *
 * Trains the lab model on CPU with TensorFlow.js (WASM backend; with `dataParallel`, one thread
 * per core, since TF.js runs WASM single-threaded under Node). Seeded and resumable: the run
 * directory holds the latest checkpoint; starting again continues from it with the same data.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { deriveSeed } from '../src/lib/random';
import { DEFAULT_MIX, type DataSpec } from './corpus';
import { exportModel, loadCheckpoint, loadWeights, saveCheckpoint, type Moments, type TrainState } from './checkpoint';
import { forward, initParams, positionTables, type ModelShape, type Params } from './model';
import { GradientWorker, batchTensors, combineParts, partGradients, type BatchPart, type PartGradients } from './gradients';
import { retrievalProgress } from './progress';
import { tf, useWasm } from './tf';
import type { Tensor } from '@tensorflow/tfjs';

const mixSchema = z.record(z.string(), z.number().nonnegative());

const rangesSchema = z.record(z.string(), z.record(z.string(), z.tuple([z.number().int(), z.number().int()])));

const configSchema = z.strictObject({
	name: z.string().regex(/^[a-z0-9-]+$/),
	seed: z.number().int().nonnegative(),
	model: z.strictObject({
		layers: z.number().int().positive(),
		hidden: z.number().int().positive(),
		heads: z.number().int().positive(),
		kvHeads: z.number().int().positive(),
		intermediate: z.number().int().positive(),
		vocab: z.number().int().positive(),
		ropeTheta: z.number().positive(),
		rmsNormEps: z.number().positive(),
		positionEncoding: z.enum(['rope', 'alibi', 'none']).optional()
	}),
	length: z.number().int().min(16),
	/**
	 * Phases before `until`, each with its own sequence length and optionally its own task mix:
	 * retrieval circuits form faster on short contexts and with repeated-text (copy) sequences.
	 */
	curriculum: z
		.array(
			z.strictObject({
				until: z.number().int(),
				length: z.number().int().min(16),
				/** Sequences per step (default: the config's batch); short phases afford more. */
				batch: z.number().int().positive().optional(),
				mix: mixSchema.optional(),
				/** Loss weight of answer tokens (default 4). */
				answerWeight: z.number().gt(1).optional(),
				/** Inclusive ranges for task parameters, e.g. { "kv-retrieval": { "chars": [4, 8] } }; the rest as in corpus.ts. */
				ranges: rangesSchema.optional(),
				/** A phase with its own peak learning rate runs its own warmup + cosine cycle (a warm restart). */
				lr: z.number().positive().optional(),
				/** Where that cycle's cosine ends (default: `until`); lets a later phase cut a cycle short without changing the steps already run. */
				cycleUntil: z.number().int().optional(),
				/**
				 * Sequences of another length in every step besides the phase's own batch, so that a
				 * skill learned at that length is kept while the phase teaches another on short ones.
				 */
				rehearse: z
					.strictObject({
						batch: z.number().int().positive(),
						length: z.number().int().min(16),
						mix: mixSchema,
						ranges: rangesSchema.optional()
					})
					.optional()
			})
		)
		.default([]),
	batch: z.number().int().positive(),
	steps: z.number().int().positive(),
	lr: z.number().positive(),
	/** Steps the global cosine spans (default: all); later steps outside an own-lr phase stay at its floor. */
	decaySteps: z.number().int().positive().optional(),
	warmup: z.number().int().nonnegative(),
	weightDecay: z.number().nonnegative().default(0),
	clip: z.number().positive().default(1),
	evalEvery: z.number().int().positive(),
	evalSequences: z.number().int().positive(),
	checkpointEvery: z.number().int().positive(),
	/**
	 * From `fromStep` on, each batch is split over `workers` threads (one per core) and the
	 * gradients combined; earlier steps ran in one thread. Part of the recipe because the
	 * float sums differ slightly, so a resumed run must split the same way to stay exact.
	 */
	dataParallel: z.strictObject({ workers: z.number().int().min(2), fromStep: z.number().int().nonnegative() }).optional(),
	/** A run whose latest weights this one starts from (not its optimiser moments): a successor keeps what that model learned. */
	init: z.string().regex(/^[a-z0-9-]+$/).optional(),
	/** The task mix outside curriculum phases, and always the one evaluated. */
	mix: mixSchema.default(DEFAULT_MIX),
	/** Task ranges for phases without their own, and always the ones evaluated (so a probe is evaluated on what it trains). */
	ranges: rangesSchema.optional()
});
export type TrainConfig = z.infer<typeof configSchema>;

export function readConfig(path: string): TrainConfig {
	return configSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

export function phaseAt(config: TrainConfig, step: number): { length: number; batch: number; data: DataSpec; rehearse?: { batch: number; length: number; data: DataSpec } } {
	const phase = config.curriculum.find((p) => step < p.until);
	const rehearse = phase?.rehearse && { batch: phase.rehearse.batch, length: phase.rehearse.length, data: { mix: phase.rehearse.mix, answerWeight: phase.answerWeight, ranges: phase.rehearse.ranges } };
	return { length: phase?.length ?? config.length, batch: phase?.batch ?? config.batch, data: { mix: phase?.mix ?? config.mix, answerWeight: phase?.answerWeight, ranges: phase?.ranges ?? config.ranges }, ...(rehearse ? { rehearse } : {}) };
}

/** Linear warmup, then cosine down to a tenth of the peak, over [start, end). */
function cycle(peak: number, warmup: number, start: number, end: number, step: number): number {
	if (step - start < warmup) return (peak * (step - start + 1)) / warmup;
	const progress = (step - start - warmup) / Math.max(1, end - start - warmup);
	return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
}

function learningRate(config: TrainConfig, step: number): number {
	const index = config.curriculum.findIndex((p) => step < p.until);
	const phase = config.curriculum[index];
	if (phase?.lr !== undefined) return cycle(phase.lr, config.warmup, index > 0 ? config.curriculum[index - 1].until : 0, phase.cycleUntil ?? phase.until, step);
	return cycle(config.lr, config.warmup, 0, config.decaySteps ?? config.steps, step);
}

/**
 * Teacher-forced accuracy on answer tokens, the share of sequences with every answer token right,
 * and the retrieval progress measures (key mass where the eval mix asks key–value questions).
 */
export function evaluate(config: TrainConfig, shape: ModelShape, params: Params): Partial<TrainState['log'][number]> {
	const length = config.length;
	const seeds = Array.from({ length: config.evalSequences }, (_, i) => deriveSeed(config.seed, `eval/${i}`));
	const batch = batchTensors(seeds, length, { mix: config.mix, ranges: config.ranges });
	let predictions: ArrayLike<number> = [];
	let layers: Float32Array[] = [];
	tf.tidy(() => {
		const attentions: Tensor[] = [];
		predictions = tf.argMax(forward(shape, params, batch.ids, positionTables(shape, length), attentions), -1).dataSync();
		layers = attentions.map((a) => a.dataSync() as Float32Array);
	});
	let right = 0;
	let total = 0;
	let exact = 0;
	for (let b = 0; b < seeds.length; b++) {
		let all = true;
		let any = false;
		for (let t = 0; t < length; t++) {
			const i = b * length + t;
			if (!batch.answer[i]) continue;
			any = true;
			total++;
			if (predictions[i] === batch.targetList[i]) right++;
			else all = false;
		}
		if (any && all) exact++;
	}
	tf.dispose([batch.ids, batch.targets, batch.weights]);
	const { keyMass, valueMass, previousToken } = retrievalProgress(layers, shape.heads, length, batch.lookups);
	const rounded = (x: number) => +x.toFixed(4);
	return {
		answerAccuracy: total ? right / total : 0,
		exactMatch: exact / seeds.length,
		...(keyMass.layer >= 0 ? { keyMass: rounded(keyMass.value), keyMassHead: [keyMass.layer, keyMass.head] } : {}),
		...(valueMass.layer >= 0 ? { valueMass: rounded(valueMass.value), valueMassHead: [valueMass.layer, valueMass.head] } : {}),
		previousToken: rounded(previousToken.value),
		previousTokenHead: [previousToken.layer, previousToken.head]
	};
}

export async function train(config: TrainConfig, options: { runDir: string; maxMinutes?: number; untilStep?: number; quiet?: boolean }): Promise<{ params: Params; state: TrainState; shape: ModelShape }> {
	await useWasm();
	const shape: ModelShape = config.model;
	const params = initParams(shape, config.seed);
	const zeros = () => new Map([...params].map(([name, v]) => [name, tf.variable(tf.zerosLike(v), false)]));
	const moments: Moments = { m: zeros(), v: zeros() };
	const resumed = loadCheckpoint(options.runDir, params, moments);
	if (!resumed && config.init) loadWeights(join(dirname(options.runDir), config.init), params);
	const state: TrainState = resumed ?? { step: 0, tokens: 0, wallMs: 0, log: [] };
	const print = (line: string) => options.quiet || process.stdout.write(line);
	if (state.step > 0) print(`resuming ${config.name} at step ${state.step}\n`);

	const started = Date.now();
	const wallAtStart = state.wallMs;
	let stepsThisRun = 0;
	const [beta1, beta2, eps] = [0.9, 0.95, 1e-8];
	const reached = () => options.untilStep !== undefined && state.step >= options.untilStep;
	const split = config.dataParallel && !reached() ? config.dataParallel.workers - 1 : 0;
	const workers = Array.from({ length: split }, () => new GradientWorker(shape));
	while (state.step < config.steps && !reached()) {
		const { length, batch, data, rehearse } = phaseAt(config, state.step);
		const seeds = Array.from({ length: batch }, (_, b) => deriveSeed(config.seed, `train/${state.step}/${b}`));
		const rehearsal = rehearse && { seeds: Array.from({ length: rehearse.batch }, (_, b) => deriveSeed(config.seed, `train/${state.step}/rehearse/${b}`)), length: rehearse.length, data: rehearse.data };
		const lr = learningRate(config, state.step);
		const t = state.step + 1;
		const splitNow = state.step >= (config.dataParallel?.fromStep ?? Infinity);
		const parts = await splitGradients(shape, params, splitNow ? workers : [], { seeds, length, data }, rehearsal);
		const lossValue = tf.tidy(() => {
			const { value, grads } = combine(params, parts);
			const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
			const scale = tf.minimum(1, tf.div(config.clip, tf.add(norm, 1e-6)));
			for (const [name, variable] of params) {
				const g = tf.mul(grads[variable.name], scale);
				const m = moments.m.get(name)!;
				const v = moments.v.get(name)!;
				m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
				v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
				const update = tf.div(tf.div(m, 1 - beta1 ** t), tf.add(tf.sqrt(tf.div(v, 1 - beta2 ** t)), eps));
				const decay = name.endsWith('norm.weight') ? 0 : config.weightDecay;
				variable.assign(tf.sub(variable, tf.mul(tf.add(update, tf.mul(variable, decay)), lr)));
			}
			return value.dataSync()[0];
		});
		state.step++;
		state.tokens += batch * length + (rehearse ? rehearse.batch * rehearse.length : 0);
		state.wallMs = wallAtStart + (Date.now() - started);
		const entry: TrainState['log'][number] = { step: state.step, loss: +lossValue.toFixed(4) };
		if (state.step % config.evalEvery === 0 || state.step === config.steps) Object.assign(entry, evaluate(config, shape, params));
		state.log.push(entry);

		stepsThisRun++;
		const bar = '#'.repeat(Math.round((state.step / config.steps) * 30)).padEnd(30, '.');
		const eta = ((config.steps - state.step) * (Date.now() - started)) / stepsThisRun / 60000;
		print(
			`[${bar}] ${state.step}/${config.steps} T=${length} loss ${lossValue.toFixed(3)} lr ${lr.toExponential(2)}` +
				(entry.answerAccuracy !== undefined ? ` answer-acc ${(entry.answerAccuracy * 100).toFixed(1)}% exact ${(entry.exactMatch! * 100).toFixed(1)}%` : '') +
				(entry.keyMass !== undefined ? ` key-mass ${entry.keyMass.toFixed(2)} value-mass ${entry.valueMass!.toFixed(2)}` : '') +
				(entry.previousToken !== undefined ? ` prev-token ${entry.previousToken.toFixed(2)}` : '') +
				` ETA ${eta.toFixed(0)} min\n`
		);
		if (state.step % config.checkpointEvery === 0 || state.step === config.steps) saveCheckpoint(options.runDir, params, moments, state);
		const outOfTime = options.maxMinutes !== undefined && Date.now() - started > options.maxMinutes * 60000;
		if (outOfTime || reached()) {
			saveCheckpoint(options.runDir, params, moments, state);
			print(`stopping at step ${state.step}; run again to resume\n`);
			break;
		}
	}
	await Promise.all(workers.map((w) => w.terminate()));
	if (state.step >= config.steps) print(`${config.name} is complete: step ${state.step} of ${config.steps}\n`);
	return { params, state, shape };
}

/**
 * The batch in contiguous parts, one per thread, then the rehearsal sequences likewise, so that
 * every thread gets a share of each: part i runs on thread i mod threads, each worker's parts in
 * one request, all threads at once. The parts come back in their order (it sets the float sums).
 */
async function splitGradients(shape: ModelShape, params: Params, workers: GradientWorker[], batch: BatchPart, rehearsal?: BatchPart): Promise<PartGradients[]> {
	const threads = workers.length + 1;
	const split = (whole: BatchPart) => {
		const size = Math.ceil(whole.seeds.length / threads);
		return Array.from({ length: threads }, (_, i) => ({ ...whole, seeds: whole.seeds.slice(i * size, (i + 1) * size) })).filter((part) => part.seeds.length > 0);
	};
	const parts = [...split(batch), ...(rehearsal ? split(rehearsal) : [])];
	const weights = workers.length ? [...params.values()].map((v) => new Float32Array(v.dataSync())) : [];
	const indices = (thread: number) => parts.map((_, i) => i).filter((i) => i % threads === thread);
	// The workers' requests go out before this thread computes its own parts.
	const remote = workers.map((worker, w) => worker.compute(weights, indices(w + 1).map((i) => parts[i])));
	const results: PartGradients[] = new Array(parts.length);
	for (const i of indices(0)) results[i] = partGradients(shape, params, parts[i]);
	(await Promise.all(remote)).forEach((computed, w) => indices(w + 1).forEach((i, k) => (results[i] = computed[k])));
	return results;
}

/** The combined parts as the tensors the optimiser step takes. */
function combine(params: Params, parts: PartGradients[]) {
	const whole = combineParts(parts);
	const grads: Record<string, import('@tensorflow/tfjs').Tensor> = {};
	[...params.values()].forEach((variable, i) => (grads[variable.name] = tf.tensor(whole.grads[i], variable.shape)));
	return { value: tf.scalar(whole.loss), grads };
}

/** The runs a config starts from, following each one's `init` (their configs are training/configs/<name>.json). */
function ancestors(config: TrainConfig, runsDir: string): { run: string; steps: number; wallMinutes: number }[] {
	const chain = [];
	for (let name = config.init; name; name = readConfig(join('training', 'configs', `${name}.json`)).init) {
		const state = JSON.parse(readFileSync(join(runsDir, name, 'state.json'), 'utf8')) as TrainState;
		chain.push({ run: name, steps: state.step, wallMinutes: Math.round(state.wallMs / 60000) });
	}
	return chain;
}

async function main() {
	const { values } = parseArgs({
		options: {
			config: { type: 'string' },
			'max-minutes': { type: 'string' },
			'until-step': { type: 'string' },
			export: { type: 'string' },
			'run-dir': { type: 'string' }
		}
	});
	if (!values.config) throw new Error('usage: npm run train -- --config training/configs/<name>.json [--max-minutes N] [--until-step N] [--export DIR]\n(--until-step 0 --export DIR exports the latest checkpoint without training)');
	const config = readConfig(values.config);
	const runDir = values['run-dir'] ?? join('training', 'runs', config.name);
	const { params, state, shape } = await train(config, {
		runDir,
		maxMinutes: values['max-minutes'] ? Number(values['max-minutes']) : undefined,
		untilStep: values['until-step'] ? Number(values['until-step']) : undefined
	});
	if (values.export) {
		exportModel(values.export, shape, params, config.length, {
			steps: state.step,
			tokens: state.tokens,
			wallMinutes: Math.round(state.wallMs / 60000),
			finalLoss: state.log.at(-1)?.loss,
			config: values.config,
			...(config.init ? { startedFrom: ancestors(config, dirname(runDir)) } : {})
		});
		process.stdout.write(`exported step ${state.step} to ${values.export}\n`);
	}
}

if (process.argv[1]?.endsWith('train.ts')) {
	main().catch((error) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	});
}
