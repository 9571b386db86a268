/**
 * `longscope`: run experiments headless with the same engine the browser uses.
 *
 *   longscope run '<experiment as URL query or JSON>' [--models DIR | --model-dir DIR]
 *   longscope run --grid '<JSON of parameter lists>' ['<base experiment>']
 *   longscope info <model dir>
 *   longscope notebook <notebooks/NAME.md> [--models DIR]   (runs every cell, checks every claim)
  longscope cost --model <preset or model dir> --tokens N [--kv-dtype fp16] [--hardware h100] [--json]
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../lib/engine/engine';
import { loadModelDir, readModelDir } from './model-dir';
import { kvBytesPerToken, parameterCount, parseConfig } from '../lib/engine/config';
import { catalog, decodeEntries, decodeObject, decodeQuery, type Decoded, type Experiment } from '../lib/experiment/index';
import { runExperiment } from '../lib/experiment/run';
import { parseNotebook } from '../lib/notebooks/notebook';
import { checkNotebook } from '../lib/notebooks/check';
import { BYTES_PER_VALUE, HARDWARE_PRESETS, costReport, findHardware, findModelPreset, type KvDtype } from '../lib/cost/index';

const USAGE = `usage:
  longscope run '<experiment as URL query or JSON>' [--models DIR] [--model-dir DIR] [--max-new-tokens N] [--chunk N] [--recall] [--analyze] [--mask-heads L.H,…]
  longscope run --grid '<JSON: parameter → list of values>' ['<base experiment>']
  longscope info <model dir>
  longscope notebook <notebooks/NAME.md> [--models DIR]   (runs every cell, checks every claim)
  longscope cost --model <preset or model dir> --tokens N [--kv-dtype fp32|fp16|int8|int4] [--hardware ID] [--json]`;

class UsageError extends Error {}

function parseExperiment(text: string): Decoded {
	const trimmed = text.trim();
	if (trimmed.startsWith('{')) {
		let json: unknown;
		try {
			json = JSON.parse(trimmed);
		} catch (error) {
			throw new UsageError(`The experiment is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
		}
		return decodeObject(json, catalog);
	}
	return decodeQuery(trimmed.replace(/^.*\?/, ''), catalog);
}

function strict(decoded: Decoded): Experiment {
	if (decoded.problems.length > 0) throw new UsageError(decoded.problems.map((p) => p.message).join('\n'));
	return decoded.experiment;
}

/** Every combination of the grid's values, applied over the base experiment's parameters. */
function gridExperiments(gridText: string, base: string): Experiment[] {
	let grid: unknown;
	try {
		grid = JSON.parse(gridText);
	} catch (error) {
		throw new UsageError(`--grid is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
	}
	if (typeof grid !== 'object' || grid === null || Array.isArray(grid) || !Object.values(grid).every(Array.isArray)) {
		throw new UsageError('--grid must be a JSON object mapping parameter names to lists, e.g. {"len":[256,512],"depth":[0,0.5,1]}');
	}
	const baseEntries = [...new URLSearchParams(base.replace(/^.*\?/, ''))];
	let combos: [string, unknown][][] = [[]];
	for (const [key, values] of Object.entries(grid as Record<string, unknown[]>)) {
		combos = combos.flatMap((combo) => values.map((value) => [...combo, [key, value] as [string, unknown]]));
	}
	return combos.map((combo) => {
		const keys = new Set(combo.map(([key]) => key));
		return strict(decodeEntries([...baseEntries.filter(([key]) => !keys.has(key)), ...combo], catalog));
	});
}

async function run(args: string[]) {
	const { values, positionals } = parseArgs({
		args,
		allowPositionals: true,
		options: {
			grid: { type: 'string' },
			models: { type: 'string', default: 'static/models' },
			'model-dir': { type: 'string' },
			'max-new-tokens': { type: 'string' },
			chunk: { type: 'string' },
			recall: { type: 'boolean', default: false },
			analyze: { type: 'boolean', default: false },
			'mask-heads': { type: 'string' }
		}
	});
	const experiments = values.grid !== undefined ? gridExperiments(values.grid, positionals[0] ?? '') : [strict(parseExperiment(positionals[0] ?? usage()))];
	const engines = new Map<string, Engine>();
	const number = (text: string | undefined, name: string) => {
		if (text === undefined) return undefined;
		const n = Number(text);
		if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number.`);
		return n;
	};
	for (const experiment of experiments) {
		const dir = values['model-dir'] ?? join(values.models!, experiment.model);
		let engine = engines.get(dir);
		if (!engine) {
			engine = await loadModelDir(dir);
			engines.set(dir, engine);
		}
		const result = await runExperiment(engine, experiment, {
			maxNewTokens: number(values['max-new-tokens'], 'max-new-tokens'),
			chunkSize: number(values.chunk, 'chunk'),
			measureRecall: values.recall,
			analyze: values.analyze,
			maskHeads: values['mask-heads'] ? parseHeads(values['mask-heads']) : undefined
		});
		const line = { ...result, needleSpans: undefined };
		console.log(values.grid !== undefined ? JSON.stringify(line) : JSON.stringify(line, null, 2));
	}
}

/** `1.0,2.3` → [[1, 0], [2, 3]] (query heads as layer.head). */
function parseHeads(text: string): [number, number][] {
	if (!/^\d+\.\d+(,\d+\.\d+)*$/.test(text)) throw new UsageError('--mask-heads lists query heads as layer.head, comma-separated (e.g. 1.0,2.3).');
	return text.split(',').map((pair) => pair.split('.').map(Number) as [number, number]);
}

function info(args: string[]) {
	const dir = args[0] ?? usage();
	const files = readModelDir(dir);
	const config = parseConfig(files.config);
	console.log(JSON.stringify({ dir, config, parameters: parameterCount(config), kvBytesPerToken: { f32: kvBytesPerToken(config, 4), f16: kvBytesPerToken(config, 2) } }, null, 2));
}

function cost(args: string[]) {
	const { values } = parseArgs({
		args,
		options: { model: { type: 'string' }, tokens: { type: 'string' }, 'kv-dtype': { type: 'string', default: 'fp16' }, hardware: { type: 'string', default: 'h100' }, json: { type: 'boolean', default: false } }
	});
	if (!values.model || !values.tokens) usage();
	const config = findModelPreset(values.model)?.config ?? parseConfig(readModelDir(values.model).config);
	const tokens = Number(values.tokens);
	if (!Number.isInteger(tokens) || tokens < 1) throw new UsageError('--tokens must be a positive whole number.');
	const dtype = values['kv-dtype'] as KvDtype;
	if (!(dtype in BYTES_PER_VALUE)) throw new UsageError(`--kv-dtype must be one of ${Object.keys(BYTES_PER_VALUE).join(', ')}.`);
	const hardware = findHardware(values.hardware!);
	if (!hardware) throw new UsageError(`Unknown hardware "${values.hardware}" (known: ${HARDWARE_PRESETS.map((h) => h.id).join(', ')}).`);
	const report = costReport(config, hardware, { tokens, kvDtype: dtype });
	if (values.json) return console.log(JSON.stringify(report, null, 2));
	const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(3)} GiB`;
	const time = (s: number) => (s < 1 ? `${(s * 1000).toFixed(2)} ms` : `${s.toFixed(2)} s`);
	console.log(
		[
			`${values.model} at ${tokens} tokens, KV in ${dtype}, on ${hardware.name}${hardware.approximate ? ' (approximate figures)' : ''}`,
			`resident KV          ${gib(report.residentKvBytes)} (${report.residentKvBytes} bytes)`,
			`weights (fp16)       ${gib(report.weightBytes)}`,
			`prefill FLOPs        ${report.prefillFlops.toExponential(3)}`,
			`decode bytes/token   ${gib(report.decodeBytesPerToken)}`,
			`time to first token  ${time(report.timeToFirstToken.seconds)} (${report.timeToFirstToken.bound}-bound)`,
			`per token            ${time(report.perToken.seconds)} (${report.perToken.bound}-bound)`,
			`sequences that fit   ${report.concurrency}`,
			`KV to host and back  ${time(report.contextSwitchSeconds)} each way`
		].join('\n')
	);
}

function usage(): never {
	throw new UsageError(USAGE);
}

async function notebook(args: string[]) {
	const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { models: { type: 'string', default: 'static/models' } } });
	if (positionals.length !== 1) usage();
	const path = positionals[0];
	let source: string;
	try {
		source = readFileSync(path, 'utf8');
	} catch (error) {
		throw new UsageError(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
	}
	const parsed = parseNotebook(basename(path, '.md'), source);
	const engines = new Map<string, Engine>();
	const engineFor = async (model: string) => {
		if (!engines.has(model)) {
			engines.set(model, await loadModelDir(join(values.models!, model)));
		}
		return engines.get(model)!;
	};
	const { checks } = await checkNotebook(parsed, engineFor, (id, metrics) =>
		console.log(`${id}: ${Object.entries(metrics).map(([k, v]) => `${k}=${+v.toPrecision(4)}`).join(' ')}`)
	);
	for (const { claim, measured, holds } of checks) console.log(`${holds ? 'holds ' : 'FAILS '} ${claim.cell}.${claim.metric} ${claim.op} ${claim.text} (measured ${measured === null ? 'nothing' : +measured.toPrecision(4)})`);
	await Promise.all([...engines.values()].map((e) => e.release()));
	if (checks.some((c) => !c.holds)) process.exitCode = 3;
}

async function main(argv: string[]) {
	const [command, ...rest] = argv;
	if (command === 'notebook') return notebook(rest);
	if (command === 'run') return run(rest);
	if (command === 'info') return info(rest);
	if (command === 'cost') return cost(rest);
	usage();
}

main(process.argv.slice(2)).catch((error) => {
	const known = error instanceof UsageError || ['ModelDirError', 'ConfigError', 'NotebookError', 'CellError', 'ClaimError', 'WeightsError', 'SafetensorsError', 'TaskError', 'RunError', 'EngineError'].includes(error?.name);
	console.error(known ? error.message : error);
	process.exit(known ? 2 : 1);
});
