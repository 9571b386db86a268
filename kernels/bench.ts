/**
 * The kernels against onnxruntime-web's WebGPU attention (the engine's own attention graph, with
 * its dense [T, S] bias) on the same device kind, measured in the same page: full causal
 * attention and sinks + window, at long lengths. Times include uploading the inputs and reading
 * the output back, for both. Run by /kernels?bench=… and `npm run bench`; on a software adapter
 * the numbers say nothing about a GPU.
 */
import * as ort from 'onnxruntime-web';
import { blockSpec } from '../src/lib/engine/block';
import { attentionGraph } from '../src/lib/engine/graphs';
import type { PatternRule } from '../src/lib/engine/pattern-rule';
import { createRng } from '../src/lib/random';
import { attend } from './attention';
import { kernelConfig } from './cases';
import type { Kernels } from './gpu';

export interface BenchRow {
	tokens: number;
	pattern: string;
	kernelMs: number;
	/** onnxruntime's time, or why it could not run (a dense bias of T² floats may not fit). */
	ortMs: number | string;
	/** Share of key tiles the kernel computed. */
	tilesComputed: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(repeats: number, run: () => Promise<unknown>): Promise<number> {
	await run();
	const times: number[] = [];
	for (let n = 0; n < repeats; n++) {
		const start = performance.now();
		await run();
		times.push(performance.now() - start);
	}
	return median(times);
}

const PATTERNS: { name: string; rule: PatternRule; keeps: (i: number, j: number) => boolean }[] = [
	{ name: 'full causal', rule: { window: Infinity }, keeps: () => true },
	{ name: 'sinks 4 + window 512', rule: { sinks: 4, window: 512 }, keeps: (i, j) => j < 4 || i - j < 512 }
];

/** One prefill of `tokens` queries over as many keys, `heads` heads of `headDim`, per pattern. */
export async function benchKernels(kernels: Kernels, options: { lengths: number[]; heads: number; headDim: number; repeats: number; onRow?: (row: BenchRow) => void }): Promise<BenchRow[]> {
	const { heads, headDim } = options;
	const config = kernelConfig(heads, heads, headDim, 1);
	const session = await ort.InferenceSession.create(attentionGraph(config, blockSpec(config), { far: false, stats: false, oneHead: false }).bytes, { executionProviders: ['webgpu'], logSeverityLevel: 3 });
	const rows: BenchRow[] = [];
	try {
		for (const T of options.lengths) {
			const rng = createRng(T);
			const random = (n: number) => Float32Array.from({ length: n }, () => rng.next() - 0.5);
			const [q, k, v] = [random(heads * T * headDim), random(heads * T * headDim), random(heads * T * headDim)];
			const positions = Int32Array.from({ length: T }, (_, n) => n);
			for (const pattern of PATTERNS) {
				const call = { heads, kvHeads: heads, headDim, S: T, queryPositions: positions, keyPositions: Array.from({ length: heads }, () => positions), q, k, v, rules: Array.from({ length: heads }, () => pattern.rule), layerWindow: null, softcap: null, slopes: null };
				let tiles = 0;
				const kernelMs = await timed(options.repeats, async () => {
					const { tiles: t } = await attend(kernels, call);
					tiles = t.computed / t.total;
				});
				let ortMs: number | string;
				try {
					const bias = new Float32Array(T * T).fill(-Infinity);
					for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) if (pattern.keeps(i, j)) bias[i * T + j] = 0;
					const feeds = () => ({
						q: new ort.Tensor('float32', q, [heads, T, headDim]),
						k: new ort.Tensor('float32', k, [heads, T, headDim]),
						v: new ort.Tensor('float32', v, [heads, T, headDim]),
						bias: new ort.Tensor('float32', bias, [1, T, T])
					});
					ortMs = await timed(options.repeats, () => session.run(feeds(), ['out']));
				} catch (error) {
					ortMs = `failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 160);
				}
				const row = { tokens: T, pattern: pattern.name, kernelMs, ortMs, tilesComputed: tiles };
				rows.push(row);
				options.onRow?.(row);
			}
		}
	} finally {
		await session.release();
	}
	return rows;
}
