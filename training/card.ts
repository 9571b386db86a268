/**
 * `npm run card -- <model dir> [--run training/runs/lab-rope] [--samples N]`: writes the model
 * card (card.json + README.md) and two attention heatmaps, from measurements by the engine:
 * the evaluation table (eval.json from `npm run eval:model`), retrieval heads (Wu et al.) over
 * passkey samples at the trained length, and per-head sink mass.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { summariseRetrieval } from '../src/lib/analysis/retrieval';
import { parameterCount, type ModelConfig } from '../src/lib/engine/config';
import { loadModelDir } from '../src/cli/model-dir';
import { catalog, defaultExperiment } from '../src/lib/experiment/index';
import { runExperiment } from '../src/lib/experiment/run';
import { findTask } from '../src/lib/tasks/registry';
import { byteTokenizer } from '../src/lib/tokenizers/byte';
import type { TrainingRecord } from './checkpoint';
import { EVAL_ROWS, markdownTable, percent, rowLabel, type EvalCell } from './eval';
import { attentionPng } from './png';

export async function writeCard(dir: string, runDir: string | null, samples: number) {
	const engine = await loadModelDir(dir);
	const config = engine.config;
	const trained = config.maxPositions;

	// Retrieval heads and sink mass over passkey samples at the trained length.
	const retrieval: number[][][] = [];
	let sinkMass: number[][] = [];
	let correct = 0;
	for (let s = 0; s < samples; s++) {
		const experiment = { ...defaultExperiment(catalog), model: 'card', len: trained, depth: (s + 0.5) / samples, seed: 500_000 + s };
		const result = await runExperiment(engine, experiment, { analyze: true });
		if (result.correct) correct++;
		// As for the lab's retrieval panel: runs with more than half the answer right count.
		if (result.partial > 0.5 && result.heads?.retrieval) retrieval.push(result.heads.retrieval);
		sinkMass = result.heads!.sinkMass;
	}
	const { mean, heads } = summariseRetrieval(retrieval);

	// Heatmaps: the head with the most sink mass, and the strongest retrieval head (or the least sink-bound one).
	const flat = sinkMass.flatMap((row, layer) => row.map((value, head) => ({ layer, head, value })));
	const sinkHead = flat.reduce((a, b) => (b.value > a.value ? b : a));
	const other = heads[0] ?? flat.reduce((a, b) => (b.value < a.value ? b : a));
	const instance = findTask('passkey')!.generate({ len: trained, depth: 0.5 }, 7, byteTokenizer);
	const maps = new Map<string, Float32Array>();
	const wanted = [sinkHead, other].map((h) => `${h.layer}.${h.head}`);
	await engine
		.sequence({
			observe: (ctx, probs) => {
				const T = ctx.queryPositions.length;
				for (const key of wanted) {
					const [layer, head] = key.split('.').map(Number);
					if (layer === ctx.layer) maps.set(key, probs.slice(head * T * ctx.slots, (head + 1) * T * ctx.slots));
				}
			}
		})
		.prefill(instance.ids);
	const files = wanted.map((key, i) => {
		const name = `heatmap-${i === 0 ? 'sink' : heads[0] ? 'retrieval' : 'local'}-L${key.replace('.', 'H')}.png`;
		writeFileSync(join(dir, name), attentionPng(maps.get(key)!, instance.ids.length));
		return name;
	});

	const name = basename(resolve(dir));
	const positions = positionWords(config);
	const evalPath = join(dir, 'eval.json');
	const evaluation = existsSync(evalPath) ? (JSON.parse(readFileSync(evalPath, 'utf8')) as { cells: EvalCell[]; samplesPerCell: number }) : null;
	const training = readTraining(dir, runDir, name);
	const card = {
		name,
		architecture: { type: `Llama-style decoder (RMSNorm, ${positions.short}, SwiGLU, GQA, tied embeddings)`, ...config },
		parameters: parameterCount(config),
		tokenizer: 'bytes (UTF-8 bytes + BOS/EOS/PAD)',
		training,
		passkeyAtTrainedLength: { correct, samples },
		retrievalHeads: heads,
		retrievalScores: mean,
		sinkMass,
		heatmaps: files,
		evaluation
	};
	writeFileSync(join(dir, 'card.json'), JSON.stringify(card, null, 1) + '\n');
	const lines = [
		`# ${name} — a Longscope lab model (${positions.short})`,
		'',
		`A ${card.parameters.toLocaleString('en-US')}-parameter byte-level Llama-style decoder trained by us on CPU with TensorFlow.js`,
		'on sequences from `src/lib/tasks` (passkey, multi-key needle, key–value, variable tracking, lines) and generated prose.',
		'',
		`- Architecture: ${config.layers} layers, hidden ${config.hiddenSize}, ${config.heads} query heads / ${config.kvHeads} KV heads of ${config.headDim}, SwiGLU ${config.intermediateSize}, ${positions.long}, trained context ${trained} bytes.`,
		training ? `- Training: ${training.steps} steps, ${training.tokens.toLocaleString('en-US')} tokens, ${training.wallMinutes} min of wall time on a 2-core CPU machine; recipe and seed in ${training.config}.` : `- Training: see training/configs/${name}.json.`,
		...(training?.startedFrom?.length ? [`- Started from the weights of ${training.startedFrom.map((r) => `${r.run} (${r.steps} steps, ${r.wallMinutes} min)`).join(', which started from ')}: ${training.wallMinutes + training.startedFrom.reduce((n, r) => n + r.wallMinutes, 0)} min from scratch.`] : []),
		...statusLines(evaluation?.cells ?? [], trained, training),
		`- Passkey at the trained length (engine, ${samples} held-out samples over depths): ${correct}/${samples}.`,
		`- Retrieval heads (score > 0.1, Wu et al.): ${heads.length ? heads.map((h) => `L${h.layer}H${h.head} (${h.score.toFixed(2)})`).join(', ') : 'none found'}.`,
		'',
		`## Evaluation (measured by the engine: full attention, the model's own positions: ${positions.short})`,
		'',
		'Each task with the parameters in the first column (the lab\'s defaults; key–value retrieval also with the 2-character keys the models are trained for), held-out seeds, needle depths 0–1. "does not fit": the prompt needs more tokens than that length (four niah keys need 384).',
		'',
		evaluation ? markdownTable(evaluation.cells) : 'Run `npm run eval:model -- <this dir>` first.',
		...(evaluation ? ['', 'Share of the answer right (the table above counts an answer only when all of it is right):', '', markdownTable(evaluation.cells, 'partial')] : []),
		'',
		'## Attention maps',
		'',
		...files.map((f) => `![${f}](${f})`),
		''
	];
	writeFileSync(join(dir, 'README.md'), lines.join('\n'));
	return card;
}

/** How the card names the model's position encoding, briefly and with its settings. */
function positionWords(config: ModelConfig): { short: string; long: string } {
	if (config.positionEncoding === 'alibi') return { short: 'ALiBi', long: 'ALiBi (linear distance biases, Press et al. slopes)' };
	if (config.positionEncoding === 'none') return { short: 'NoPE', long: 'no position encoding (NoPE: the causal mask alone)' };
	return { short: 'RoPE', long: `RoPE θ ${config.ropeTheta} (rotate-half)` };
}

/** Accuracy at the trained length that the lab models are trained to reach, by evaluation row. */
const TARGETS: Record<string, number> = { passkey: 0.9, niah: 0.85, 'kv-retrieval-2': 0.8 };

/** The training budget the recipe is meant to fit: 3 hours on 2 CPU cores. */
const BUDGET_MINUTES = 180;

/** A status line naming the targets not met (accuracy at the trained length, training time), if any. */
function statusLines(cells: EvalCell[], trained: number, training: TrainingRecord | null): string[] {
	const missed = Object.entries(TARGETS).flatMap(([id, target]) => {
		const pool = cells.filter((c) => c.task === id && c.length === trained);
		const total = pool.reduce((n, c) => n + c.total, 0);
		const correct = pool.reduce((n, c) => n + c.correct, 0);
		const rate = total ? correct / total : 0;
		return rate < target ? [`${rowLabel(EVAL_ROWS.find((row) => row.id === id)!)} ${total ? percent(correct, total) : 0} % at the trained length (target ${target * 100} %)`] : [];
	});
	if (training && training.wallMinutes > BUDGET_MINUTES) missed.push(`training took ${training.wallMinutes} min (budget ${BUDGET_MINUTES} min on 2 cores)`);
	return missed.length ? [`- **Targets not met**: ${missed.join(', ')}.`] : [];
}

/** The record exported with the weights; else the run's current state (which may be ahead of them). */
function readTraining(dir: string, runDir: string | null, name: string): TrainingRecord | null {
	const exported = join(dir, 'training.json');
	if (existsSync(exported)) return JSON.parse(readFileSync(exported, 'utf8')) as TrainingRecord;
	if (!runDir || !existsSync(join(runDir, 'state.json'))) return null;
	const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
	return { steps: state.step, tokens: state.tokens, wallMinutes: Math.round(state.wallMs / 60000), finalLoss: state.log.at(-1)?.loss, config: `training/configs/${name}.json` };
}

async function main() {
	const { values, positionals } = parseArgs({ allowPositionals: true, options: { run: { type: 'string' }, samples: { type: 'string', default: '8' } } });
	if (!positionals[0]) throw new Error('usage: npm run card -- <model dir> [--run training/runs/<name>] [--samples N]');
	const card = await writeCard(positionals[0], values.run ?? null, Number(values.samples));
	console.log(JSON.stringify({ parameters: card.parameters, passkey: card.passkeyAtTrainedLength, retrievalHeads: card.retrievalHeads, heatmaps: card.heatmaps }, null, 2));
}

if (process.argv[1]?.endsWith('card.ts')) {
	main().catch((error) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	});
}
