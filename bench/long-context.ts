/**
 * Long contexts (issue 25), on the shipped lab model: each figure is a ratio measured in this run.
 * - sparsity: a pattern's prefill time over full attention's, beside the share of entries it keeps;
 * - analyses: what a run with every default view's data (heatmap capture, head statistics,
 *   retrieval scores, recall, KL to full) adds to the same run without them, over the bare prefill;
 * - compute limit: the bare prefill over the time onnxruntime needs for the same FLOPs in one large MatMul.
 */
import * as ort from 'onnxruntime-web';
import { loadModelDir } from '../src/cli/model-dir';
import type { ModelConfig } from '../src/lib/engine/config';
import type { Engine } from '../src/lib/engine/engine';
import { GraphBuilder } from '../src/lib/engine/onnx-builder';
import { prefillFlops } from '../src/lib/cost/analytic';
import { catalog, decodeQuery } from '../src/lib/experiment/index';
import { alignChunk, planMemory, runExperiment } from '../src/lib/experiment/run';
import { report, techniqueHooks, type PatternStats } from '../src/lib/experiment/technique-hooks';
import { median } from './timing';

const PATTERNS = [
	{ name: 'sinks + window (4 + 508)', query: 'attn=sink-window&attn.sink=4&attn.window=508', target: 0.3 },
	{ name: 'window 512', query: 'attn=window&attn.window=512', target: null },
	{ name: 'Λ-shape', query: 'attn=lambda', target: null },
	{ name: 'block-sparse', query: 'attn=block-sparse', target: null },
	{ name: 'vertical-slash', query: 'attn=vertical-slash', target: null }
];

/** The cost model's prefill FLOPs, less the LM head over all but the last row, which the engine never computes. */
function enginePrefillFlops(config: ModelConfig, T: number): number {
	return prefillFlops(config, T) - 2 * config.vocabSize * config.hiddenSize * (T - 1);
}

/** onnxruntime's FLOP rate for one large MatMul, on this machine, now. */
async function matmulRate(n = 1024): Promise<number> {
	const g = new GraphBuilder('matmul');
	const a = g.input('a', [n, n]);
	const b = g.input('b', [n, n]);
	g.output(g.op('MatMul', [a, b], {}, 'c'), [n, n]);
	const session = await ort.InferenceSession.create(g.build().bytes);
	const data = new Float32Array(n * n).map((_, i) => (i % 7) / 7);
	const feeds = { a: new ort.Tensor('float32', data, [n, n]), b: new ort.Tensor('float32', data, [n, n]) };
	const ms = await median(5, () => session.run(feeds));
	await session.release();
	return (2 * n * n * n) / (ms / 1000);
}

/** The median prefill time with the experiment's techniques (none: the bare engine), and the share of attention entries they kept. */
async function timedPrefill(engine: Engine, ids: number[], chunkSize: number, query: string | null) {
	const experiment = query === null ? null : decodeQuery(query, catalog).experiment;
	let stats: PatternStats = { causal: 0, kept: 0, massKept: 0, rows: 0 };
	const ms = await median(1, () => {
		stats = { causal: 0, kept: 0, massKept: 0, rows: 0 };
		const hooks = experiment ? techniqueHooks(experiment, stats, { config: engine.config }) : {};
		return engine.sequence(hooks).prefill(ids, { chunkSize });
	});
	return { ms, density: report(stats).density };
}

export async function benchLongContext(lengths = [4096, 16384]) {
	const engine = await loadModelDir('static/models/lab-rope');
	const rate = await matmulRate();
	const rows: Record<string, string | number>[] = [];
	for (const T of lengths) {
		const ids = Array.from({ length: T }, (_, i) => 32 + ((i * 7919) % 90));
		const chunkSize = alignChunk(planMemory(engine.config, T, 8, undefined, engine.memory), 64);
		const { ms: bare } = await timedPrefill(engine, ids, chunkSize, null);
		const ideal = (enginePrefillFlops(engine.config, T) / rate) * 1000;
		rows.push({ tokens: T, measure: `bare prefill (chunks of ${chunkSize}) / MatMul time for its FLOPs`, ratio: +(bare / ideal).toFixed(2), target: '≤ 1.4', note: `${Math.round(bare)} ms vs ${Math.round(ideal)} ms at ${(rate / 1e9).toFixed(1)} GFLOP/s` });
		for (const pattern of PATTERNS) {
			const { ms, density } = await timedPrefill(engine, ids, chunkSize, pattern.query);
			rows.push({ tokens: T, measure: `${pattern.name} prefill / full`, ratio: +(ms / bare).toFixed(2), target: pattern.target && T >= 16384 ? `≤ ${pattern.target}` : '≈ density', note: `density ${density.toFixed(3)}` });
		}
		const run = (analyze: boolean) => {
			const experiment = decodeQuery(`task=passkey&len=${T}`, catalog).experiment;
			return median(1, () => runExperiment(engine, experiment, analyze ? { analyze: true, capture: { layer: 0, head: 0 } } : {}));
		};
		const plain = await run(false);
		const analyzed = await run(true);
		rows.push({ tokens: T, measure: 'what the default views add / bare prefill', ratio: +((analyzed - plain) / bare).toFixed(2), target: '≤ 0.25', note: `run ${Math.round(plain)} ms, with analyses ${Math.round(analyzed)} ms` });
	}
	await engine.release();
	console.log('Long contexts on the lab model (WASM EP): ratios measured in this run.');
	console.table(rows);
}
