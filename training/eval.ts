/**
 * `npm run eval:model -- <model dir> [--samples N]`: the model card's evaluation table, measured
 * by the engine (not the trainer): accuracy per task at 0.5×, 1×, 2× and 4× the trained length,
 * over depths 0–1, with full attention and the model's own position encoding. Writes `eval.json` next to the
 * model and prints a markdown table.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModelDir } from '../src/cli/model-dir';
import type { Engine } from '../src/lib/engine/engine';
import { catalog, defaultExperiment } from '../src/lib/experiment/index';
import { defaultValues } from '../src/lib/params/param-spec';
import { needleGrid } from '../src/lib/experiment/needle-grid';

export const EVAL_TASKS = ['passkey', 'niah', 'kv-retrieval', 'lines', 'variable-tracking'];
export const DEPTHS = [0, 0.25, 0.5, 0.75, 1];
export const SCALES = [0.5, 1, 2, 4];

/** Each task at the lab's default parameters (what a user meets first); the table names them. */
const evalParams = (task: string) => defaultValues(catalog.task.find((t) => t.id === task)!.params);

/** "niah (keys 2, values 1)": the task with its numeric parameters, so the table says what was asked. */
export function taskLabel(task: string): string {
	const numeric = Object.entries(evalParams(task)).filter(([, value]) => typeof value === 'number');
	return numeric.length ? `${task} (${numeric.map(([name, value]) => `${name} ${value}`).join(', ')})` : task;
}
/** Held-out seeds: training draws its seeds from a hashed stream, never these small integers offset. */
const SEED_BASE = 900_000;

export interface EvalCell {
	task: string;
	length: number;
	depth: number;
	correct: number;
	total: number;
	/** Mean share of the answer right (digits, characters or items), as the lab's partial score. */
	partial: number;
}

export async function evaluateModel(engine: Engine, samples: number, onCell?: (cell: EvalCell) => void): Promise<EvalCell[]> {
	const lengths = SCALES.map((scale) => Math.round(engine.config.maxPositions * scale));
	const cells: EvalCell[] = [];
	for (const task of EVAL_TASKS) {
		const base = { ...defaultExperiment(catalog), model: 'eval', task: { id: task, params: evalParams(task) } };
		const grid = await needleGrid(engine, base, lengths, DEPTHS, samples, { seedBase: SEED_BASE });
		for (const cell of grid) {
			const entry = { task, length: cell.length, depth: cell.depth, correct: cell.correct, total: cell.total, partial: cell.partial };
			cells.push(entry);
			onCell?.(entry);
		}
	}
	return cells;
}

/** A share as the card prints it: whole percent, rounded from the counts (23 of 40 is 58, where 0.575 · 100 rounds to 57). */
export const percent = (part: number, whole: number) => Math.round((100 * part) / whole);

/**
 * Accuracy per task and length (all depths pooled), as a markdown table; with `partial`, the mean
 * share of the answer right instead (shows a model that finds the needle but miscopies it).
 */
export function markdownTable(cells: EvalCell[], measure: 'accuracy' | 'partial' = 'accuracy'): string {
	const lengths = [...new Set(cells.map((c) => c.length))];
	const rows = EVAL_TASKS.map((task) => {
		const entries = lengths.map((length) => {
			const pool = cells.filter((c) => c.task === task && c.length === length);
			const total = pool.reduce((n, c) => n + c.total, 0);
			const right = pool.reduce((n, c) => n + (measure === 'accuracy' ? c.correct : c.partial * c.total), 0);
			return total ? `${percent(right, total)} % (${total})` : 'does not fit';
		});
		return `| ${taskLabel(task)} | ${entries.join(' | ')} |`;
	});
	return [`| task | ${lengths.map((l) => `${l} tokens`).join(' | ')} |`, `|---|${lengths.map(() => '---').join('|')}|`, ...rows].join('\n');
}

async function main() {
	const { values, positionals } = parseArgs({ allowPositionals: true, options: { samples: { type: 'string', default: '4' } } });
	const dir = positionals[0];
	if (!dir) throw new Error('usage: npm run eval:model -- <model dir> [--samples N]');
	const engine = await loadModelDir(dir);
	const started = Date.now();
	const cells = await evaluateModel(engine, Number(values.samples), (c) => process.stderr.write(`${c.task} len ${c.length} depth ${c.depth}: ${c.correct}/${c.total}\n`));
	const table = markdownTable(cells);
	writeFileSync(join(dir, 'eval.json'), JSON.stringify({ measuredBy: 'longscope engine (onnxruntime-web, WASM)', attention: 'full', positions: `the model's own (${engine.config.positionEncoding})`, samplesPerCell: Number(values.samples), tasks: Object.fromEntries(EVAL_TASKS.map((task) => [task, evalParams(task)])), wallSeconds: Math.round((Date.now() - started) / 1000), cells }, null, 1) + '\n');
	console.log(table);
}

if (process.argv[1]?.endsWith('eval.ts')) {
	main().catch((error) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	});
}
