/**
 * Long contexts (issue 25), on the shipped lab model and on a SmolLM2-135M-shaped one: each figure
 * is a ratio measured in this run.
 * - sparsity: a pattern's prefill time over full attention's, beside the share of entries it keeps;
 * - analyses: what a run with every default view's data (heatmap capture, head statistics,
 *   retrieval scores, recall, KL to full) adds to the same run without them, over the bare prefill;
 * - eviction: a decode step with a small KV budget over one with the whole cache;
 * - compute limit: the bare prefill over the time onnxruntime needs for the same FLOPs in one large MatMul.
 */
import * as ort from 'onnxruntime-web';
import { loadModelDir } from '../src/cli/model-dir';
import type { ModelConfig } from '../src/lib/engine/config';
import { GraphBuilder } from '../src/lib/engine/onnx-builder';
import { prefillFlops } from '../src/lib/cost/analytic';
import { catalog, decodeQuery } from '../src/lib/experiment/index';
import { alignChunk, planMemory, runExperiment, type RunOptions, type RunResult } from '../src/lib/experiment/run';
import { report, techniqueHooks, type PatternStats } from '../src/lib/experiment/technique-hooks';
import { Engine } from '../src/lib/engine/engine';
import { composeHooks } from '../src/lib/engine/compose';
import type { Hooks } from '../src/lib/engine/hooks';
import { attentionMapCollector } from '../src/lib/probes/attention-map';
import { headStatsCollector } from '../src/lib/probes/heads';
import { topKeyCollector } from '../src/lib/probes/top-keys';
import { realShapeModels } from './real-shapes';
import { median } from './timing';

const PATTERNS = [
	{ name: 'sinks + window (4 + 508)', query: 'attn=sink-window&attn.sink=4&attn.window=508', target: 0.3 },
	{ name: 'window 512', query: 'attn=window&attn.window=512', target: null },
	{ name: 'Λ-shape', query: 'attn=lambda', target: null },
	{ name: 'block-sparse', query: 'attn=block-sparse', target: null },
	{ name: 'vertical-slash', query: 'attn=vertical-slash', target: null },
	{ name: 'dynamic block-sparse', query: 'attn=dynamic-block-sparse', target: null },
	{ name: 'top-k', query: 'attn=top-k', target: null }
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

/** The median prefill time with these hooks' probes (no techniques), for a model without a tokenizer. */
async function probedPrefill(engine: Engine, ids: number[], chunkSize: number, probes: () => Hooks) {
	return median(1, () => engine.sequence(probes()).prefill(ids, { chunkSize, lastLogits: 64 }));
}

/** Every default view's probes, composed as a run with analyses composes them (experiment/run.ts). */
function viewProbes(config: ModelConfig, T: number): Hooks {
	const { layers, heads, kvHeads } = config;
	const map = attentionMapCollector({ layer: 0, head: 0 }, heads / kvHeads, { positions: T, decodeFrom: T });
	return composeHooks(map.hooks, headStatsCollector(layers, heads).hooks, topKeyCollector(layers, heads).hooks);
}

type Row = Record<string, string | number>;

/** Bare prefill against the MatMul rate, and each pattern's prefill against full attention's. */
async function prefillRows(engine: Engine, T: number, rate: number, patterns: typeof PATTERNS) {
	const ids = Array.from({ length: T }, (_, i) => 32 + ((i * 7919) % 90));
	const chunkSize = alignChunk(planMemory(engine.config, T, 8, undefined, engine.memory), 64);
	const { ms: bare } = await timedPrefill(engine, ids, chunkSize, null);
	const ideal = (enginePrefillFlops(engine.config, T) / rate) * 1000;
	const rows: Row[] = [{ tokens: T, measure: `bare prefill (chunks of ${chunkSize}) / MatMul time for its FLOPs`, ratio: +(bare / ideal).toFixed(2), target: '≤ 1.4', note: `${Math.round(bare)} ms vs ${Math.round(ideal)} ms at ${(rate / 1e9).toFixed(1)} GFLOP/s` }];
	for (const pattern of patterns) {
		const { ms, density } = await timedPrefill(engine, ids, chunkSize, pattern.query);
		rows.push({ tokens: T, measure: `${pattern.name} prefill / full`, ratio: +(ms / bare).toFixed(2), target: pattern.target && T >= 16384 ? `≤ ${pattern.target}` : '≈ density', note: `density ${density.toFixed(3)}` });
	}
	return { rows, bare, ids, chunkSize };
}

/** The lab model as the lab runs it: patterns, every default view's data, and decode under KV eviction. */
async function labModelRows(engine: Engine, T: number, rate: number): Promise<Row[]> {
	const { rows, bare } = await prefillRows(engine, T, rate, PATTERNS);
	const run = async (query: string, options: RunOptions = {}) => {
		const experiment = decodeQuery(`task=passkey&len=${T}&${query}`, catalog).experiment;
		const results: RunResult[] = [];
		const ms = await median(1, async () => void results.push(await runExperiment(engine, experiment, options)));
		return { ms, result: results[results.length - 1] };
	};
	const plain = await run('');
	const analyzed = await run('', { analyze: true, capture: { layer: 0, head: 0 } });
	rows.push({ tokens: T, measure: 'what the default views add / bare prefill', ratio: +((analyzed.ms - plain.ms) / bare).toFixed(2), target: '≤ 0.25', note: `run ${Math.round(plain.ms)} ms, with analyses ${Math.round(analyzed.ms)} ms` });
	const kept = 1024;
	const evicting = await run(`kv=streaming-llm&kv.tokens=${kept}`, { maxNewTokens: 16 });
	const full = await run('', { maxNewTokens: 16 });
	const perToken = (r: RunResult) => r.timings.decodeMsPerToken ?? NaN;
	rows.push({ tokens: T, measure: `decode step, StreamingLLM keeping ${kept} / full cache`, ratio: +(perToken(evicting.result) / perToken(full.result)).toFixed(2), target: `≈ ${(kept / T).toFixed(2)} (entries kept)`, note: `${perToken(evicting.result).toFixed(1)} vs ${perToken(full.result).toFixed(1)} ms/token` });
	return rows;
}

/** A model without a tokenizer (a real checkpoint's shape, random weights): the engine with the views' probes. */
async function shapeRows(engine: Engine, T: number, rate: number): Promise<Row[]> {
	const { rows, bare, ids, chunkSize } = await prefillRows(engine, T, rate, PATTERNS.slice(0, 1));
	const probed = await probedPrefill(engine, ids, chunkSize, () => viewProbes(engine.config, T));
	rows.push({ tokens: T, measure: 'what the default views add / bare prefill', ratio: +((probed - bare) / bare).toFixed(2), target: '≤ 0.25', note: `${Math.round(bare)} ms bare, ${Math.round(probed)} ms with the views' probes` });
	return rows;
}

export async function benchLongContext(lengths = [4096, 16384]) {
	const rate = await matmulRate();
	const lab = await loadModelDir('static/models/lab-rope');
	const rows: Row[] = [];
	for (const T of lengths) rows.push(...(await labModelRows(lab, T, rate)).map((row) => ({ model: 'lab-rope', ...row })));
	await lab.release();
	// SmolLM2-135M's widths, heads and vocabulary at 4 of its 30 layers (bench/real-shapes.ts).
	const [smol] = realShapeModels(4);
	const shaped = await Engine.load(smol.config, smol.safetensors);
	rows.push(...(await shapeRows(shaped, 2048, rate)).map((row) => ({ model: 'SmolLM2-135M shape', ...row })));
	await shaped.release();
	console.log('Long contexts (WASM EP): ratios measured in this run, each beside its target.');
	console.table(rows);
}
