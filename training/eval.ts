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

/** A row of the table: a task at the lab's default parameters, or with some changed (`id` names it). */
export interface EvalRow {
	id: string;
	task: string;
	params?: Record<string, number>;
}

export const EVAL_ROWS: EvalRow[] = [
	{ id: 'passkey', task: 'passkey' },
	{ id: 'niah', task: 'niah' },
	{ id: 'kv-retrieval', task: 'kv-retrieval' },
	// The key length the lab models are trained to retrieve (issue 28's target).
	{ id: 'kv-retrieval-2', task: 'kv-retrieval', params: { chars: 2 } },
	{ id: 'lines', task: 'lines' },
	{ id: 'variable-tracking', task: 'variable-tracking' }
];
export const DEPTHS = [0, 0.25, 0.5, 0.75, 1];
export const SCALES = [0.5, 1, 2, 4];

/** A row's task parameters: the lab's defaults (what a user meets first) and the row's changes. */
const evalParams = (row: EvalRow) => ({ ...defaultValues(catalog.task.find((t) => t.id === row.task)!.params), ...row.params });

/** "niah (keys 2, values 1)": the task with its numeric parameters, so the table says what was asked. */
export function rowLabel(row: EvalRow): string {
	const numeric = Object.entries(evalParams(row)).filter(([, value]) => typeof value === 'number');
	return numeric.length ? `${row.task} (${numeric.map(([name, value]) => `${name} ${value}`).join(', ')})` : row.task;
}
/** Held-out seeds: training draws its seeds from a hashed stream, never these small integers offset. */
const SEED_BASE = 900_000;

export interface EvalCell {
	/** The row's id (EVAL_ROWS). */
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
	for (const row of EVAL_ROWS) {
		const base = { ...defaultExperiment(catalog), model: 'eval', task: { id: row.task, params: evalParams(row) } };
		const grid = await needleGrid(engine, base, lengths, DEPTHS, samples, { seedBase: SEED_BASE });
		for (const cell of grid) {
			const entry = { task: row.id, length: cell.length, depth: cell.depth, correct: cell.correct, total: cell.total, partial: cell.partial };
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
	const rows = EVAL_ROWS.map((row) => {
		const entries = lengths.map((length) => {
			const pool = cells.filter((c) => c.task === row.id && c.length === length);
			const total = pool.reduce((n, c) => n + c.total, 0);
			const right = pool.reduce((n, c) => n + (measure === 'accuracy' ? c.correct : c.partial * c.total), 0);
			return total ? `${percent(right, total)} % (${total})` : 'does not fit';
		});
		return `| ${rowLabel(row)} | ${entries.join(' | ')} |`;
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
	writeFileSync(join(dir, 'eval.json'), JSON.stringify({ measuredBy: 'longscope engine (onnxruntime-web, WASM)', attention: 'full', positions: `the model's own (${engine.config.positionEncoding})`, samplesPerCell: Number(values.samples), tasks: Object.fromEntries(EVAL_ROWS.map((row) => [row.id, { task: row.task, ...evalParams(row) }])), wallSeconds: Math.round((Date.now() - started) / 1000), cells }, null, 1) + '\n');
	console.log(table);
}

if (process.argv[1]?.endsWith('eval.ts')) {
	main().catch((error) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	});
}
