/**
 * Timings worth comparing: one run's prefill time says little (a cached, warmed or throttled run
 * can be twice as fast), so A and B run several times, interleaved after one warm-up each, and a
 * difference is called only when their ranges do not overlap.
 */
import type { Runner } from './ablation-study';
import type { Experiment } from './schema';
import type { RunResult } from './run';

export interface Spread {
	/** Every repeat, in the order run. */
	values: number[];
	median: number;
	min: number;
	max: number;
}

export function spread(values: number[]): Spread {
	if (values.length === 0) throw new Error('A spread needs at least one value');
	const sorted = [...values].sort((x, y) => x - y);
	const mid = sorted.length >> 1;
	const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
	return { values, median, min: sorted[0], max: sorted[sorted.length - 1] };
}

export type Verdict = { call: 'B faster' | 'B slower' | 'no clear difference'; ratio: number };

/** B against A, called only when every B repeat lies beyond every A repeat. */
export function timingVerdict(a: Spread, b: Spread): Verdict {
	const ratio = b.median / a.median;
	if (b.max < a.min) return { call: 'B faster', ratio };
	if (b.min > a.max) return { call: 'B slower', ratio };
	return { call: 'no clear difference', ratio };
}

export interface TimingSide {
	prefillMs: Spread;
	/** Null when no run decoded more than its first token. */
	decodeMsPerToken: Spread | null;
}

export interface TimingStudy {
	repeats: number;
	a: TimingSide;
	b: TimingSide | null;
}

function side(results: RunResult[]): TimingSide {
	const decode = results.flatMap((r) => (r.timings.decodeMsPerToken === null ? [] : [r.timings.decodeMsPerToken]));
	return { prefillMs: spread(results.map((r) => r.timings.prefillMs)), decodeMsPerToken: decode.length === results.length ? spread(decode) : null };
}

/**
 * Runs A and B `repeats` times each, alternating A, B, A, B… so both see the same warm state and
 * any drift (thermal throttling, other tabs) falls on both. `run` must not read a result cache.
 * Each side first runs once unrecorded, so neither pays for compiling kernels or first allocations.
 */
export async function timingStudy(run: Runner, a: Experiment, b: Experiment | null, repeats: number, onRepeat?: (done: number, total: number) => void): Promise<TimingStudy> {
	const sides = b ? [a, b] : [a];
	const results: RunResult[][] = sides.map(() => []);
	const total = sides.length * (repeats + 1);
	let done = 0;
	for (let i = 0; i <= repeats; i++) {
		for (const [s, experiment] of sides.entries()) {
			const result = await run(experiment, {});
			if (i > 0) results[s].push(result);
			onRepeat?.(++done, total);
		}
	}
	return { repeats, a: side(results[0]), b: b ? side(results[1]) : null };
}
