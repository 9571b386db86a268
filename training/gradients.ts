/**
 * One batch's loss gradients, computed either here or in a worker thread, so that a step can split
 * its batch over the machine's cores (TF.js WASM runs single-threaded under Node). Each part
 * returns the gradients of its own weighted-mean loss and its weight sum; the caller combines
 * them as (W₁g₁ + W₂g₂) / (W₁ + W₂), which is the gradient of the whole batch's weighted mean.
 */
import { Worker } from 'node:worker_threads';
import { sampleSequence, type DataSpec } from './corpus';
import { forward, initParams, loss, positionTables, type ModelShape, type Params } from './model';
import { tf } from './tf';

export interface BatchPart {
	seeds: number[];
	length: number;
	data: DataSpec;
}

export interface PartGradients {
	/** Weighted-mean loss of the part. */
	loss: number;
	/** Sum of the part's loss weights. */
	weight: number;
	/** Gradients in the order of the model's parameters. */
	grads: Float32Array[];
}

export function batchTensors(seeds: number[], length: number, data: DataSpec) {
	const sequences = seeds.map((seed) => sampleSequence(length, seed, data));
	const inputs = sequences.flatMap((s) => s.tokens.slice(0, length));
	const targets = sequences.flatMap((s) => s.tokens.slice(1, length + 1));
	const weights = sequences.flatMap((s) => s.weights.slice(0, length));
	return {
		ids: tf.tensor2d(inputs, [seeds.length, length], 'int32'),
		targets: tf.tensor1d(targets, 'int32'),
		weights: tf.tensor1d(weights),
		weightSum: weights.reduce((a, b) => a + b, 0),
		answer: Float32Array.from(weights, (w) => (w > 1 ? 1 : 0)),
		targetList: targets,
		lookups: sequences.map((s) => s.lookups ?? [])
	};
}

const tables = new Map<number, ReturnType<typeof positionTables>>();

export function partGradients(shape: ModelShape, params: Params, part: BatchPart): PartGradients {
	if (!tables.has(part.length)) tables.set(part.length, positionTables(shape, part.length));
	const batch = batchTensors(part.seeds, part.length, part.data);
	const result = tf.tidy(() => {
		const { value, grads } = tf.variableGrads(() => loss(forward(shape, params, batch.ids, tables.get(part.length)!), batch.targets, batch.weights, shape.vocab) as import('@tensorflow/tfjs').Scalar);
		return { loss: value.dataSync()[0], grads: [...params.values()].map((v) => new Float32Array(grads[v.name].dataSync())) };
	});
	tf.dispose([batch.ids, batch.targets, batch.weights]);
	return { ...result, weight: batch.weightSum };
}

/** The whole batch's weighted-mean loss and gradients: parts weighted by their loss weights. */
export function combineParts(parts: PartGradients[]): { loss: number; grads: Float32Array[] } {
	const total = parts.reduce((sum, p) => sum + p.weight, 0);
	const grads = parts[0].grads.map((g, i) => {
		const sum = new Float32Array(g.length);
		for (const part of parts) for (let k = 0; k < sum.length; k++) sum[k] += (part.weight / total) * part.grads[i][k];
		return sum;
	});
	return { loss: parts.reduce((sum, p) => sum + (p.weight / total) * p.loss, 0), grads };
}

/** A worker thread holding its own copy of the model; each request sends the current weights and the parts to compute. */
export class GradientWorker {
	private worker: Worker;
	private pending: { resolve: (result: PartGradients[]) => void; reject: (error: Error) => void } | null = null;

	constructor(shape: ModelShape) {
		const file = new URL('./gradient-worker.ts', import.meta.url).href;
		// tsx registers itself in the worker, which then imports the TypeScript entry point.
		this.worker = new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(import.meta.url)}))`, { eval: true, workerData: { shape } });
		this.worker.on('message', (results: PartGradients[]) => this.pending?.resolve(results));
		this.worker.on('error', (error) => this.pending?.reject(error));
	}

	/** `weights`: the current parameters, in the model's order; the parts are computed one after another, in one request. */
	compute(weights: Float32Array[], parts: BatchPart[]): Promise<PartGradients[]> {
		return new Promise((resolve, reject) => {
			this.pending = { resolve, reject };
			this.worker.postMessage({ weights, parts });
		});
	}

	terminate() {
		return this.worker.terminate();
	}
}

/** The worker's side: a model of the given shape whose weights are replaced before each request. */
export function serveGradients(port: import('node:worker_threads').MessagePort, shape: ModelShape) {
	const params = initParams(shape, 0);
	port.on('message', ({ weights, parts }: { weights: Float32Array[]; parts: BatchPart[] }) => {
		tf.tidy(() => [...params.values()].forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape))));
		const results = parts.map((part) => partGradients(shape, params, part));
		port.postMessage(results, results.flatMap((r) => r.grads.map((g) => g.buffer as ArrayBuffer)));
	});
}
