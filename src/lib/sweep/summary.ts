/**
 * A sweep's runs folded into its curves: per technique and knob values, the mean of each measure
 * over the seeds, for accuracy a 95 % Wilson interval (seeds are few, and accuracy sits at 0 or 1
 * often, where a normal interval says nonsense), and for the other measures their range over the seeds.
 */
import type { RunResult } from '../experiment/run';
import type { SweepPoint } from './points';

/** What one run contributes to the curves. */
export interface PointMeasures {
	correct: boolean;
	/** Share of the answer right (0–1). */
	partial: number;
	klToFull: number | null;
	recall: number | null;
	density: number;
	kvBytesPerStep: number | null;
	prefillMs: number;
	/** Mean NLL (nats) of the prompt's own last tokens (analysed runs only). */
	nll: number | null;
}

export function measuresOf(result: RunResult): PointMeasures {
	return {
		correct: result.correct,
		partial: result.partial,
		klToFull: result.heads?.klToFull ?? null,
		recall: result.attention.recall,
		density: result.attention.density,
		kvBytesPerStep: result.kv.bytesReadPerStep,
		prefillMs: result.timings.prefillMs,
		nll: result.heads?.nll ?? null
	};
}

/** The measures a curve draws with a band over the seeds. */
export const BANDED = ['partial', 'klToFull', 'recall', 'nll'] as const;

/** One point of a curve: the means of its runs' measures, and their accuracy. */
export interface CurvePoint extends Omit<PointMeasures, 'correct'> {
	series: string | null;
	x: number;
	y: number | null;
	runs: number;
	accuracy: number;
	/** 95 % Wilson interval of the accuracy over the runs. */
	low: number;
	high: number;
	/** The lowest and highest value over the runs, of each measure in {@link BANDED} that the runs measured. */
	range: Partial<Record<(typeof BANDED)[number], [number, number]>>;
}

/** The 95 % Wilson score interval of `successes` out of `n`. */
export function wilson(successes: number, n: number): [number, number] {
	if (n === 0) return [0, 1];
	const z = 1.959963984540054;
	const p = successes / n;
	const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
	const half = ((z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n)));
	return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
/** The mean of the values runs measured, or null where none did. */
const meanOf = (values: (number | null)[]) => {
	const known = values.filter((v): v is number => v !== null);
	return known.length ? mean(known) : null;
};

/** The curves: one entry per technique, y and x, in the order the points came. */
export function summarise(points: { point: SweepPoint; measures: PointMeasures }[]): CurvePoint[] {
	const groups = new Map<string, { point: SweepPoint; measures: PointMeasures }[]>();
	for (const entry of points) {
		const key = JSON.stringify([entry.point.series, entry.point.y, entry.point.x]);
		groups.set(key, [...(groups.get(key) ?? []), entry]);
	}
	return [...groups.values()].map((group) => {
		const { series, x, y } = group[0].point;
		const m = group.map((g) => g.measures);
		const correct = m.filter((r) => r.correct).length;
		const [low, high] = wilson(correct, m.length);
		const range = Object.fromEntries(
			BANDED.flatMap((name) => {
				const values = m.map((r) => r[name]).filter((v): v is number => v !== null);
				return values.length ? [[name, [Math.min(...values), Math.max(...values)]]] : [];
			})
		);
		return {
			series,
			x,
			y,
			range,
			runs: m.length,
			accuracy: correct / m.length,
			low,
			high,
			partial: mean(m.map((r) => r.partial)),
			klToFull: meanOf(m.map((r) => r.klToFull)),
			recall: meanOf(m.map((r) => r.recall)),
			density: mean(m.map((r) => r.density)),
			kvBytesPerStep: meanOf(m.map((r) => r.kvBytesPerStep)),
			prefillMs: mean(m.map((r) => r.prefillMs)),
			nll: meanOf(m.map((r) => r.nll))
		};
	});
}
