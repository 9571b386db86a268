import { describe, expect, it } from 'vitest';
import { spread, timingStudy, timingVerdict } from '../../src/lib/experiment/timing-study';
import { catalog, decodeQuery } from '../../src/lib/experiment';
import type { RunResult } from '../../src/lib/experiment/run';

describe('spread', () => {
	it('takes the median of odd and even counts', () => {
		expect(spread([5, 1, 3])).toEqual({ values: [5, 1, 3], median: 3, min: 1, max: 5 });
		expect(spread([4, 1, 3, 2]).median).toBe(2.5);
		expect(() => spread([])).toThrow();
	});
});

describe('timing verdict', () => {
	it('calls a difference only when the ranges are apart', () => {
		// A 10–12 ms, B 20–25 ms: every B slower than every A.
		expect(timingVerdict(spread([10, 11, 12]), spread([20, 22, 25]))).toEqual({ call: 'B slower', ratio: 2 });
		expect(timingVerdict(spread([20, 22, 25]), spread([10, 11, 12])).call).toBe('B faster');
	});
	it('says no clear difference when the ranges overlap, however far the medians are', () => {
		// Medians 11 and 20, but A's slow outlier (21) reaches into B's range.
		expect(timingVerdict(spread([10, 11, 21]), spread([19, 20, 22])).call).toBe('no clear difference');
		// Touching ends overlap too.
		expect(timingVerdict(spread([10, 12]), spread([12, 14])).call).toBe('no clear difference');
	});
});

describe('timing study', () => {
	it('alternates A and B after one unrecorded warm-up each', async () => {
		const a = decodeQuery('seed=1', catalog).experiment;
		const b = { ...a, seed: 2 };
		const order: number[] = [];
		let clock = 0;
		const run = async (experiment: typeof a) => {
			order.push(experiment.seed);
			clock += 1;
			return { timings: { prefillMs: experiment.seed * 100 + clock, decodeMsPerToken: 1, decodeSteps: 3 } } as RunResult;
		};
		const study = await timingStudy(run, a, b, 3);
		expect(order).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
		// Warm-ups were calls 1 and 2; A's recorded runs are calls 3, 5, 7.
		expect(study.a.prefillMs.values).toEqual([103, 105, 107]);
		expect(study.b!.prefillMs.values).toEqual([204, 206, 208]);
		expect(study.a.decodeMsPerToken!.median).toBe(1);
	});
});
