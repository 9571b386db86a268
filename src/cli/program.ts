/**
 * The `longscope` command line as a function: argv in, exit code out, output through `io`, so
 * its parsing and refusals can be tested in-process. `longscope.ts` runs it against the process.
 *
 * Exit codes: 0 done, 2 bad input (one line on stderr), 3 a notebook claim fails, 1 a bug.
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { Engine } from '../lib/engine/engine';
import { loadModelDir, loadModelDirForRuns, readConfig, type LoadedModel } from './model-dir';
import { hubEngine, loadHubModel, type HubFlags } from './hub';
import { isHubId } from '../lib/hub/model-id';
import { kvBytesPerToken, parameterCount, parseConfig, type ModelConfig } from '../lib/engine/config';
import { FIELDS, catalog, decodeEntries, decodeObject, decodeQuery, encodeQuery, quote, type Decoded, type Experiment } from '../lib/experiment/index';
import { readParam } from '../lib/params/param-spec';
import { runExperiment } from '../lib/experiment/run';
import { decodeSweep, sweepHash, type SweepSpec } from '../lib/sweep/spec';
import { sweepPoints, type SweepPoint } from '../lib/sweep/points';
import { measuresOf, summarise, type CurvePoint, type PointMeasures } from '../lib/sweep/summary';
import type { HeadRef } from '../lib/probes/ablation';
import { parseNotebook } from '../lib/notebooks/notebook';
import { checkNotebook } from '../lib/notebooks/check';
import { BYTES_PER_VALUE, HARDWARE_PRESETS, costReport, findHardware, findModelPreset, type KvDtype } from '../lib/cost/index';

export interface Io {
	out(text: string): void;
	err(text: string): void;
}

export class UsageError extends Error {
	override name = 'UsageError';
}

/** Errors the libraries throw about their input: reported as bad input, without a stack. */
const INPUT_ERRORS = ['UsageError', 'SweepError', 'ModelDirError', 'ConfigError', 'NotebookError', 'CellError', 'ClaimError', 'WeightsError', 'SafetensorsError', 'ModelFilesError', 'TaskError', 'RunError', 'EngineError', 'HubError', 'TokenizerError'];

/** A grid larger than this needs --max-runs: 10^6 runs took minutes to even start. */
export const DEFAULT_MAX_RUNS = 1000;

const oneLine = (text: string) => text.trim().replace(/\s*\n\s*/g, '; ');

/** `--chunk 512`: plain digits only, so `1e3`, `-1` or `0x10` are refused rather than read some other way. */
function positiveWhole(option: string, text: string): number {
	const n = Number(text);
	if (/^\d+$/.test(text) && n > 0 && Number.isSafeInteger(n)) return n;
	const reason = /^\d+$/.test(text) && n > 0 ? 'is too large' : 'must be a positive whole number in plain digits (e.g. 512)';
	throw new UsageError(`${option} is ${quote(text)}, which ${reason}.`);
}

function countOption(flags: string, description: string) {
	const option = new Option(flags, description);
	return option.argParser((text: string) => positiveWhole(option.long!, text));
}

function parseJson(what: string, text: string): unknown {
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new UsageError(`${what} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
	}
}

function parseExperiment(text: string): Decoded {
	const trimmed = text.trim();
	if (trimmed.startsWith('{')) return decodeObject(parseJson('The experiment', trimmed), catalog);
	return decodeQuery(trimmed.replace(/^.*\?/, ''), catalog);
}

/** The lab falls back to defaults on bad values; a command line refuses them instead. */
function strict(decoded: Decoded): Experiment {
	if (decoded.problems.length > 0) throw new UsageError(decoded.problems.map((p) => p.message).join(' '));
	return decoded.experiment;
}

type Combination = [key: string, value: unknown][];

function* product(lists: [string, unknown[]][]): Generator<Combination> {
	if (lists.length === 0) {
		yield [];
		return;
	}
	const [[key, values], ...rest] = lists;
	for (const value of values) for (const tail of product(rest)) yield [[key, value], ...tail];
}

/**
 * Every combination of the grid's values over the base experiment, made one at a time as the
 * runs need them, so memory does not grow with the grid.
 */
export function gridExperiments(gridText: string, base: string, maxRuns: number): Iterable<Experiment> {
	const grid = parseJson('--grid', gridText);
	if (typeof grid !== 'object' || grid === null || Array.isArray(grid)) {
		throw new UsageError('--grid must be a JSON object mapping parameter names to lists, e.g. {"len":[256,512],"depth":[0,0.5,1]}');
	}
	const lists: [string, unknown[]][] = Object.entries(grid);
	for (const [key, values] of lists) {
		if (!Array.isArray(values) || values.length === 0) throw new UsageError(`--grid: ${quote(key)} must be a non-empty list of values, e.g. {"len":[256,512]}.`);
	}
	const runs = lists.reduce((n, [, values]) => n * values.length, 1);
	if (runs > maxRuns) throw new UsageError(`--grid makes ${runs} runs, more than the limit of ${maxRuns}; pass --max-runs ${runs} to run them all.`);
	if (base.trim().startsWith('{')) throw new UsageError(`With --grid the base experiment is a URL query (e.g. 'task=passkey&len=512'), not JSON.`);
	const baseEntries = [...new URLSearchParams(base.replace(/^.*\?/, ''))];
	const experiment = (combo: Combination) => {
		const keys = new Set(combo.map(([key]) => key));
		return strict(decodeEntries([...baseEntries.filter(([key]) => !keys.has(key)), ...combo], catalog));
	};
	// Every value once, in combinations the grid runs anyway: a typo stops it before its first run, not hours in.
	const longest = Math.max(0, ...lists.map(([, values]) => values.length));
	for (let i = 0; i < longest; i++) experiment(lists.map(([key, values]) => [key, values[Math.min(i, values.length - 1)]]));
	return (function* () {
		for (const combo of product(lists)) yield experiment(combo);
	})();
}

/** `1.0,2.3` → [[1, 0], [2, 3]] (query heads as layer.head). */
function parseHeads(text: string): HeadRef[] {
	if (!/^\d+\.\d+(,\d+\.\d+)*$/.test(text)) throw new UsageError(`--mask-heads is ${quote(text)}, which is not a list of query heads as layer.head, comma-separated (e.g. 1.0,2.3).`);
	return text.split(',').map((pair) => pair.split('.').map(Number) as HeadRef);
}

function checkHeads(heads: HeadRef[], config: ModelConfig, model: string) {
	const wrong = heads.find(([layer, head]) => layer >= config.layers || head >= config.heads);
	if (wrong) {
		throw new UsageError(`--mask-heads names head ${wrong.join('.')}, but model "${model}" has ${config.layers} layers of ${config.heads} query heads (0.0 to ${config.layers - 1}.${config.heads - 1}).`);
	}
}

/** A model read from --model-dir is named by its directory, so results say which model ran. */
function modelDirName(dir: string): string {
	const name = basename(resolve(dir));
	const read = readParam(FIELDS.model, name);
	if (!read.ok) throw new UsageError(`--model-dir ${quote(dir)}: the directory's name ${quote(name)} names the model, and it ${read.reason}; rename or link the directory.`);
	return name;
}

interface RunFlags extends HubFlags {
	grid?: string;
	maxRuns: number;
	models: string;
	modelDir?: string;
	maxNewTokens?: number;
	chunk?: number;
	recall?: boolean;
	analyze?: boolean;
	maskHeads?: HeadRef[];
}

/** Runs experiments on the models they name (or on --model-dir's), loading each model once. */
function runner(io: Io, flags: Omit<RunFlags, 'grid' | 'maxRuns'>) {
	const model = flags.modelDir === undefined ? undefined : modelDirName(flags.modelDir);
	// A hub model is loaded once per id, and its runs name the commit it resolved to, so they reproduce.
	const engines = new Map<string, LoadedModel>();
	return async (decoded: Experiment) => {
		const experiment = model ? { ...decoded, model } : decoded;
		const hub = model === undefined && isHubId(experiment.model);
		const source = flags.modelDir ?? (hub ? experiment.model : join(flags.models, experiment.model));
		let loaded = engines.get(source);
		if (!loaded) {
			loaded = hub ? await hubEngine(source, flags, io.err) : await loadModelDirForRuns(source, experiment.model);
			if (flags.maskHeads) checkHeads(flags.maskHeads, loaded.engine.config, experiment.model);
			engines.set(source, loaded);
		}
		return runExperiment(loaded.engine, { ...experiment, model: loaded.model }, {
			tokenizer: loaded.tokenizer,
			maxNewTokens: flags.maxNewTokens,
			chunkSize: flags.chunk,
			measureRecall: flags.recall,
			analyze: flags.analyze,
			maskHeads: flags.maskHeads
		});
	};
}

async function run(io: Io, text: string | undefined, flags: RunFlags) {
	let experiments: Iterable<Experiment>;
	if (flags.grid !== undefined) experiments = gridExperiments(flags.grid, text ?? '', flags.maxRuns);
	else if (text !== undefined) experiments = [strict(parseExperiment(text))];
	else throw new UsageError(`run needs an experiment (a URL query or JSON) or --grid; see 'longscope run --help'.`);
	const runOne = runner(io, flags);
	for (const experiment of experiments) {
		const line = { ...(await runOne(experiment)), needleSpans: undefined };
		io.out(`${flags.grid !== undefined ? JSON.stringify(line) : JSON.stringify(line, null, 2)}\n`);
	}
}

type SweepFlags = Omit<RunFlags, 'grid' | 'maxRuns' | 'maskHeads'>;

/** Every run of a sweep as a JSON line on stdout, then its curves as a table on stderr. */
async function sweep(io: Io, text: string, flags: SweepFlags) {
	const spec = decodeSweep(text, catalog);
	const points = sweepPoints(spec, catalog);
	const runOne = runner(io, flags);
	const measured: { point: SweepPoint; measures: PointMeasures }[] = [];
	const sweepId = sweepHash(spec);
	for (const point of points) {
		const result = await runOne(point.experiment);
		const measures = measuresOf(result);
		measured.push({ point, measures });
		const { series, x, y, seed } = point;
		io.out(`${JSON.stringify({ sweep: sweepId, series, x, y, seed, experiment: encodeQuery(point.experiment, catalog), hash: result.hash, expected: result.expected, output: result.output, ...measures })}\n`);
	}
	io.err(curveTable(spec, summarise(measured)));
}

/** The curves as a fixed-width table: one row per technique, y and x. */
function curveTable(spec: SweepSpec, curves: CurvePoint[]): string {
	const number = (v: number | null, digits = 3) => (v === null ? '-' : String(+v.toFixed(digits)));
	const header = [spec.series ? spec.series.slot : '', ...(spec.y ? [spec.y.knob] : []), spec.x.knob, 'runs', 'accuracy [95 % interval]', 'answer share', 'KL to full', 'recall', 'density', 'KV bytes/step', 'prefill ms', 'NLL'];
	const rows = curves.map((c) => [c.series ?? '', ...(spec.y ? [number(c.y)] : []), number(c.x, 6), String(c.runs), `${number(c.accuracy, 2)} [${number(c.low, 2)}, ${number(c.high, 2)}]`, number(c.partial), number(c.klToFull, 4), number(c.recall), number(c.density), number(c.kvBytesPerStep, 0), number(c.prefillMs, 0), number(c.nll)]);
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

/** Downloads a hub model into the cache and prints its pinned id (the one a link should name). */
async function download(io: Io, id: string, flags: HubFlags) {
	const model = await loadHubModel(id, flags, io.err);
	io.out(`${model.id}\n`);
}

function info(io: Io, dir: string) {
	const config = parseConfig(readConfig(dir));
	io.out(`${JSON.stringify({ dir, config, parameters: parameterCount(config), kvBytesPerToken: { f32: kvBytesPerToken(config, 4), f16: kvBytesPerToken(config, 2) } }, null, 2)}\n`);
}

interface CostFlags {
	model: string;
	tokens: number;
	kvDtype: KvDtype;
	hardware: string;
	json?: boolean;
}

function cost(io: Io, flags: CostFlags) {
	const hardware = findHardware(flags.hardware);
	if (!hardware) throw new UsageError(`Unknown hardware ${quote(flags.hardware)} (known: ${HARDWARE_PRESETS.map((h) => h.id).join(', ')}).`);
	const config = findModelPreset(flags.model)?.config ?? parseConfig(readConfig(flags.model));
	const { tokens, kvDtype: dtype } = flags;
	const report = costReport(config, hardware, { tokens, kvDtype: dtype });
	if (flags.json) return io.out(`${JSON.stringify(report, null, 2)}\n`);
	const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(3)} GiB`;
	const time = (s: number) => (s < 1 ? `${(s * 1000).toFixed(2)} ms` : `${s.toFixed(2)} s`);
	io.out(
		[
			`${flags.model} at ${tokens} tokens, KV in ${dtype}, on ${hardware.name}${hardware.approximate ? ' (approximate figures)' : ''}`,
			`resident KV          ${gib(report.residentKvBytes)} (${report.residentKvBytes} bytes)`,
			`weights (fp16)       ${gib(report.weightBytes)}`,
			`prefill FLOPs        ${report.prefillFlops.toExponential(3)}`,
			`decode bytes/token   ${gib(report.decodeBytesPerToken)}`,
			`time to first token  ${time(report.timeToFirstToken.seconds)} (${report.timeToFirstToken.bound}-bound)`,
			`per token            ${time(report.perToken.seconds)} (${report.perToken.bound}-bound)`,
			`sequences that fit   ${report.concurrency}`,
			`KV to host and back  ${time(report.contextSwitchSeconds)} each way`
		].join('\n') + '\n'
	);
}

/** Runs every cell and checks every claim; true when all claims hold. */
async function notebook(io: Io, path: string, flags: { models: string }): Promise<boolean> {
	let source: string;
	try {
		source = readFileSync(path, 'utf8');
	} catch (error) {
		throw new UsageError(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
	}
	const parsed = parseNotebook(basename(path, '.md'), source);
	const engines = new Map<string, Engine>();
	const engineFor = async (model: string) => {
		if (!engines.has(model)) engines.set(model, await loadModelDir(join(flags.models, model)));
		return engines.get(model)!;
	};
	const { checks } = await checkNotebook(parsed, engineFor, (id, metrics) =>
		io.out(`${id}: ${Object.entries(metrics).map(([k, v]) => `${k}=${+v.toPrecision(4)}`).join(' ')}\n`)
	);
	for (const { claim, measured, holds } of checks) io.out(`${holds ? 'holds ' : 'FAILS '} ${claim.cell}.${claim.metric} ${claim.op} ${claim.text} (measured ${measured === null ? 'nothing' : +measured.toPrecision(4)})\n`);
	await Promise.all([...engines.values()].map((e) => e.release()));
	return checks.every((c) => c.holds);
}

/** The options of every command that runs experiments: where models are, and what each run measures. */
function withRunOptions(command: Command): Command {
	return command
		.option('--models <dir>', 'directory holding one directory per model', 'static/models')
		.option('--model-dir <dir>', "one model's directory; its name becomes the experiment's model")
		.addOption(countOption('--max-new-tokens <n>', 'most tokens to generate'))
		.addOption(countOption('--chunk <n>', 'prefill chunk, in tokens'))
		.option('--recall', "also measure the pattern's attention-mass recall")
		.option('--analyze', 'also gather per-head statistics, retrieval scores and the KL to full attention')
		.addOption(cacheDirOption());
}

const cacheDirOption = () =>
	new Option('--cache-dir <dir>', 'where hub models are kept (default: $XDG_CACHE_HOME/longscope or ~/.cache/longscope); HF_ENDPOINT and HF_TOKEN are read from the environment');

/** The commander program; it throws (CommanderError, UsageError, library errors) instead of exiting. */
export function buildProgram(io: Io, status = { exitCode: 0 }): Command {
	const program = new Command('longscope')
		.description('Run long-context attention experiments headless, with the engine the browser lab uses.')
		.exitOverride()
		.configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text), outputError: (text, write) => write(`${oneLine(text)}\n`) })
		.addHelpText(
			'after',
			`
Examples:
  longscope run 'model=lab-rope&task=passkey&len=512&depth=0.5&seed=7'
  longscope run --grid '{"len":[256,512],"depth":[0,0.5,1]}' 'task=passkey'
  longscope sweep 'task=passkey&len=256&kv=snapkv&sweep.x=kv.ratio:0.25,0.5,0.75&sweep.series=kv:snapkv,h2o&sweep.seeds=1..3'
  longscope download hf:HuggingFaceTB/SmolLM2-135M
  longscope info static/models/lab-rope
  longscope cost --model llama-3-8b --tokens 131072 --kv-dtype fp16 --hardware h100
  longscope notebook notebooks/07-cost-at-scale.md

Bad input exits with code 2 and one line on stderr; a notebook whose claims fail exits with 3.`
		);

	withRunOptions(
		program
			.command('run')
			.description('Run one experiment and print its result as JSON, or a grid of experiments as one JSON line per run.')
			.argument('[experiment]', 'the experiment as a URL query or JSON; with --grid, the base experiment as a URL query')
			.option('--grid <json>', 'JSON object: parameter → non-empty list of values; runs every combination')
			.addOption(countOption('--max-runs <n>', 'most runs a grid may make').default(DEFAULT_MAX_RUNS))
	)
		.option('--mask-heads <heads>', 'query heads to knock out, as layer.head, comma-separated (e.g. 1.0,2.3)', parseHeads)
		.action((text: string | undefined, flags: RunFlags) => run(io, text, flags));

	withRunOptions(
		program
			.command('sweep')
			.description("Run a sweep (the lab's sweep link: an experiment plus sweep.x, sweep.y, sweep.series, sweep.seeds): one JSON line per run on stdout, its curves as a table on stderr.")
			.argument('<sweep>', "the sweep as a URL query, e.g. 'task=passkey&len=256&kv=snapkv&sweep.x=kv.ratio:0.25,0.5,0.75&sweep.series=kv:snapkv,h2o&sweep.seeds=1..3'")
	).action((text: string, flags: SweepFlags) => sweep(io, text, flags));

	program
		.command('download')
		.description('Download a Hugging Face model into the cache and print its id pinned to the commit; later runs need no network.')
		.argument('<id>', 'hf:<org>/<name>, optionally @<branch, tag or commit>')
		.addOption(cacheDirOption())
		.action((id: string, flags: HubFlags) => download(io, id, flags));

	program
		.command('info')
		.description("Print a model's config, parameter count and KV bytes per token.")
		.argument('<dir>', 'model directory (config.json and model.safetensors)')
		.action((dir: string) => info(io, dir));

	program
		.command('notebook')
		.description("Run a notebook's cells and check its claims (exit code 3 when one fails).")
		.argument('<file>', 'the notebook, e.g. notebooks/NAME.md')
		.option('--models <dir>', 'directory holding one directory per model', 'static/models')
		.action(async (path: string, flags: { models: string }) => {
			if (!(await notebook(io, path, flags))) status.exitCode = 3;
		});

	program
		.command('cost')
		.description("Estimate a model's KV memory, time to first token and per-token time at scale (analytic).")
		.requiredOption('--model <id>', 'a model preset or a model directory')
		.addOption(countOption('--tokens <n>', 'context length in tokens').makeOptionMandatory())
		.addOption(new Option('--kv-dtype <dtype>', 'KV cache number format').choices(Object.keys(BYTES_PER_VALUE)).default('fp16'))
		.option('--hardware <id>', `hardware preset (${HARDWARE_PRESETS.map((h) => h.id).join(', ')})`, 'h100')
		.option('--json', 'print the report as JSON')
		.action((flags: CostFlags) => cost(io, flags));

	return program;
}

/** Runs the command line; returns the exit code instead of exiting. */
export async function main(argv: string[], io: Io): Promise<number> {
	const status = { exitCode: 0 };
	try {
		await buildProgram(io, status).parseAsync(argv, { from: 'user' });
		return status.exitCode;
	} catch (error) {
		// Commander has already printed its message (or the help).
		if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
		if (error instanceof Error && INPUT_ERRORS.includes(error.name)) {
			io.err(`error: ${oneLine(error.message)}\n`);
			return 2;
		}
		io.err(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		return 1;
	}
}
