/**
 * Runs a notebook cell and reduces what it measured to named numbers, the ones claims check.
 * The same code runs in the browser (through the engine worker) and in Node (tests, CLI).
 */
import type { HeadRef } from '../probes/ablation';
import { attentionComputed } from '../experiment/attention-share';
import { ablationStudy, strongestRetrievalHeads, type AblationRow, type Runner } from '../experiment/ablation-study';
import type { GridCell } from '../experiment/needle-grid';
import { costReport, findHardware, findModelPreset, type CostReport } from '../cost';
import { policyTokens } from '../cost/policy';
import type { Experiment } from '../experiment/schema';
import type { RunResult } from '../experiment/run';
import { cellExperiment, cellKind, cellSweepQuery, type CellSpec } from './cell';
import { catalog } from '../experiment/index';
import { decodeSweep, type SweepSpec } from '../sweep/spec';
import { sweepPoints } from '../sweep/points';
import { measuresOf, summarise, type CurvePoint } from '../sweep/summary';

export interface CellBackend {
	run: Runner;
	grid: (experiment: Experiment, lengths: number[], depths: number[], samples: number) => Promise<GridCell[]>;
	shape: () => { layers: number; heads: number };
	/** Where one engine holds one model at a time (the browser's worker): load this one before running its experiments. */
	useModel?: (id: string) => Promise<void>;
}

export interface CellOutcome {
	experiment: Experiment;
	metrics: Record<string, number>;
	/** The first seed's run, for the views. */
	result?: RunResult;
	grid?: GridCell[];
	ablation?: AblationRow[];
	retrievalHeads?: { layer: number; head: number; score: number }[];
	cost?: CostReport[];
	curves?: { spec: SweepSpec; points: CurvePoint[] };
}

export class CellError extends Error {
	override name = 'CellError';
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const meanOfGrid = (grid: number[][]) => mean(grid.flat());

export function runMetrics(results: RunResult[]): Record<string, number> {
	const metrics: Record<string, number> = {
		accuracy: mean(results.map((r) => (r.correct ? 1 : 0))),
		partial: mean(results.map((r) => r.partial)),
		// Pruned tokens count too: FastV's pattern is dense, yet it computes less than full attention.
		density: mean(results.map((r) => attentionComputed(r))),
		residentKvKiB: mean(results.map((r) => r.kv.residentBytes)) / 1024,
		flopsSaved: mean(results.map((r) => mean(r.pruning.flopsSaved)))
	};
	const read = results.map((r) => r.kv.bytesReadPerStep).filter((b): b is number => b !== null);
	if (read.length) metrics.kvReadKiB = mean(read) / 1024;
	const recall = results.map((r) => r.attention.recall).filter((v): v is number => v !== null);
	if (recall.length) metrics.recall = mean(recall);
	const analysed = results.filter((r) => r.heads);
	if (analysed.length) {
		metrics.klToFull = mean(analysed.map((r) => r.heads!.klToFull));
		metrics.nll = mean(analysed.map((r) => r.heads!.nll));
		metrics.sinkMass = mean(analysed.map((r) => meanOfGrid(r.heads!.sinkMass)));
		metrics.retrievalHeads = strongestRetrievalHeads(analysed).length;
	}
	return metrics;
}

export function gridMetrics(cells: GridCell[]): Record<string, number> {
	const rate = (list: GridCell[]) => list.reduce((s, c) => s + c.correct, 0) / Math.max(1, list.reduce((s, c) => s + c.total, 0));
	const metrics: Record<string, number> = { accuracy: rate(cells) };
	for (const length of new Set(cells.map((c) => c.length))) metrics[`accuracy@${length}`] = rate(cells.filter((c) => c.length === length));
	return metrics;
}

export function ablationMetrics(rows: AblationRow[], retrievalHeads: number): Record<string, number> {
	const rate = (label: AblationRow['label']) => {
		const row = rows.find((r) => r.label === label);
		return row ? row.correct / row.total : Number.NaN;
	};
	const metrics: Record<string, number> = { accuracy: rate('none masked'), retrievalMasked: rate('retrieval heads masked'), randomMasked: rate('random heads masked'), retrievalHeads };
	// An arm that did not run (no retrieval head to mask) has no number.
	return Object.fromEntries(Object.entries(metrics).filter(([, v]) => !Number.isNaN(v)));
}

export function costCell(spec: NonNullable<CellSpec['cost']>, experiment: Experiment): { reports: CostReport[]; metrics: Record<string, number> } {
	const preset = findModelPreset(spec.model);
	const hardware = findHardware(spec.hardware);
	if (!preset) throw new CellError(`Unknown model preset "${spec.model}".`);
	if (!hardware) throw new CellError(`Unknown hardware preset "${spec.hardware}".`);
	const metrics: Record<string, number> = {};
	const reports = spec.tokens.map((tokens) => {
		const { resident, read } = policyTokens(experiment, preset.config, tokens);
		const report = costReport(preset.config, hardware, { tokens, kvDtype: spec.kvDtype, resident, read });
		metrics[`residentKvGiB@${tokens}`] = report.residentKvBytes / 2 ** 30;
		metrics[`kvReadGiB@${tokens}`] = report.kvReadPerStepBytes / 2 ** 30;
		metrics[`msPerToken@${tokens}`] = report.perToken.seconds * 1000;
		metrics[`ttftSeconds@${tokens}`] = report.timeToFirstToken.seconds;
		metrics[`concurrency@${tokens}`] = report.concurrency;
		return report;
	});
	return { reports, metrics };
}

/** A sweep's curves as named numbers: overall, per technique, and per technique and x. */
export function sweepMetrics(curves: CurvePoint[]): Record<string, number> {
	const at = (c: CurvePoint) => [...(c.series === null ? [] : [c.series]), ...(c.y === null ? [] : [c.y]), c.x].join('@');
	const metrics: Record<string, number> = { accuracy: mean(curves.map((c) => c.accuracy)) };
	for (const series of new Set(curves.flatMap((c) => (c.series === null ? [] : [c.series])))) metrics[`accuracy@${series}`] = mean(curves.filter((c) => c.series === series).map((c) => c.accuracy));
	for (const c of curves) {
		metrics[`accuracy@${at(c)}`] = c.accuracy;
		metrics[`partial@${at(c)}`] = c.partial;
		if (c.nll !== null) metrics[`nll@${at(c)}`] = c.nll;
	}
	return metrics;
}

/** `fast` runs one seed and a one-row grid: for smoke tests, not for checking claims. */
export async function runCell(spec: CellSpec, backend: CellBackend, options: { fast?: boolean; capture?: { layer: number; head: number } } = {}): Promise<CellOutcome> {
	const { experiment, problems } = cellExperiment(spec);
	if (problems.length) throw new CellError(`Cell "${spec.id}": ${problems.join(' ')}`);
	const seeds = options.fast ? 1 : spec.seeds;
	switch (cellKind(spec)) {
		case 'cost': {
			const { reports, metrics } = costCell(spec.cost!, experiment);
			return { experiment, metrics, cost: reports };
		}
		case 'grid': {
			const { lengths, depths } = spec.grid!;
			const cells = await backend.grid(experiment, options.fast ? lengths.slice(0, 1) : lengths, options.fast ? depths.slice(0, 1) : depths, seeds);
			return { experiment, metrics: gridMetrics(cells), grid: cells };
		}
		case 'ablation': {
			const probes: RunResult[] = [];
			for (let s = 0; s < seeds; s++) probes.push(await backend.run({ ...experiment, seed: experiment.seed + s }, { analyze: true, capture: options.capture }));
			const found = strongestRetrievalHeads(probes);
			const chosen: HeadRef[] = found.slice(0, spec.ablate).map((h) => [h.layer, h.head]);
			const rows = await ablationStudy(backend.run, experiment, chosen, backend.shape(), seeds, spec.ablate);
			return { experiment, metrics: ablationMetrics(rows, found.length), result: probes[0], ablation: rows, retrievalHeads: found };
		}
		case 'sweep': {
			let sweep: SweepSpec;
			try {
				sweep = decodeSweep(cellSweepQuery(spec, spec.experiment, experiment.seed, seeds), catalog);
			} catch (error) {
				throw new CellError(`Cell "${spec.id}": ${error instanceof Error ? error.message : String(error)}`);
			}
			const measured = [];
			try {
				for (const point of sweepPoints(sweep, catalog)) {
					await backend.useModel?.(point.experiment.model);
					measured.push({ point, measures: measuresOf(await backend.run(point.experiment, { analyze: spec.analyze, measureRecall: spec.recall })) });
				}
			} finally {
				// The cells after this one expect the cell's own model back.
				await backend.useModel?.(experiment.model);
			}
			const curves = summarise(measured);
			return { experiment, metrics: sweepMetrics(curves), curves: { spec: sweep, points: curves } };
		}
		case 'run': {
			const results: RunResult[] = [];
			for (let s = 0; s < seeds; s++) {
				const capture = s === 0 ? options.capture : undefined;
				results.push(await backend.run({ ...experiment, seed: experiment.seed + s }, { analyze: spec.analyze, measureRecall: spec.recall, capture }));
			}
			return { experiment, metrics: runMetrics(results), result: results[0] };
		}
	}
}
