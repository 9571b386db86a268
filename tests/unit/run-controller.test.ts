/**
 * The page side of runs: the newest job wins, an old job never cancels its successor on the worker,
 * a cancel reaches runs still waiting on the result cache, a job that may not be cancelled runs to
 * its end, and A/B runs come from the cache when they can (and not when a fresh run is asked for).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Progress } from '$lib/engine/engine';
import type { RunResult } from '$lib/experiment/run';

/** Worker calls wait here until the test settles them. */
const calls: { experiment: { seed: number }; progress: (p: Progress) => void; resolve: (r: RunResult) => void; reject: (e: Error) => void }[] = [];
const cache = new Map<string, RunResult>();
let cacheGate: Promise<void> = Promise.resolve();

vi.mock('$lib/worker/client', async () => {
	const { CancelledError } = await import('$lib/engine/errors');
	const api = {
		run: (experiment: { seed: number }, _options: unknown, progress: (p: Progress) => void) =>
			new Promise<RunResult>((resolve, reject) => calls.push({ experiment, progress, resolve, reject }))
	};
	const client = {
		call: (use: (a: typeof api, progress: (p: Progress) => void) => Promise<RunResult>, onProgress: (p: Progress) => void) => use(api, onProgress),
		cancel: () => {
			for (const call of calls.splice(0)) call.reject(new CancelledError());
		}
	};
	return { engineClient: () => client };
});
vi.mock('$lib/experiment/result-cache', () => ({
	cacheKey: (model: string, hash: string) => `${model}|${hash}`,
	cachedResult: async (key: string) => {
		await cacheGate;
		return cache.get(key);
	},
	cacheResult: async (key: string, result: RunResult) => void cache.set(key, result)
}));

const errors = await import('$lib/engine/errors');
const { RunController } = await import('$lib/worker/run-controller.svelte');
const { catalog, decodeQuery, experimentHash } = await import('$lib/experiment');

const result = (tag: number) => ({ tag }) as unknown as RunResult;
const experiment = (seed: number, techniques = '') => decodeQuery(`seed=${seed}${techniques}`, catalog).experiment;
/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => {
	calls.length = 0;
	cache.clear();
	cacheGate = Promise.resolve();
});

describe('RunController', () => {
	it('shows only the newest job: an older one that fails or finishes late writes nothing', async () => {
		const runs = new RunController();
		const first = runs.start((job) => job.run(experiment(1), {}));
		await settle();
		const second = runs.start((job) => job.run(experiment(2), {}));
		await settle();
		calls[0].progress({ phase: 'prefill', done: 1, total: 9 });
		expect(runs.progress).toBeNull();
		calls[0].reject(new errors.CancelledError());
		expect(await first).toBeUndefined();
		expect(runs.error).toBeNull();
		expect(runs.busy).toBe(true);
		calls[1].progress({ phase: 'prefill', done: 3, total: 9 });
		expect(runs.progress).toEqual({ phase: 'prefill', done: 3, total: 9 });
		calls[1].resolve(result(2));
		expect(await second).toEqual(result(2));
		expect(runs.busy).toBe(false);
	});

	it('keeps a job that a newer one replaced from reaching the worker, where it would cancel the newer one', async () => {
		const runs = new RunController();
		let open = () => {};
		const gate = new Promise<void>((resolve) => (open = resolve));
		const first = runs.start(async (job) => {
			await gate;
			return job.run(experiment(1), {});
		});
		const second = runs.start((job) => job.run(experiment(2), {}));
		await settle();
		open();
		await settle();
		expect(calls.map((c) => c.experiment.seed)).toEqual([2]);
		expect(await first).toBeUndefined();
		calls[0].resolve(result(2));
		expect(await second).toEqual(result(2));
	});

	it('stops a run cancelled while the result cache is read before it reaches the worker', async () => {
		const runs = new RunController();
		let open = () => {};
		cacheGate = new Promise<void>((resolve) => (open = resolve));
		const compared = runs.compare(experiment(1), null, { analyze: true });
		runs.cancel();
		open();
		await settle();
		expect(calls).toHaveLength(0);
		expect(await compared).toBeUndefined();
		expect(runs.error).toBe('The run was cancelled.');
		expect(runs.busy).toBe(false);
	});

	it('compares A and B, each from the cache when this model ran it before, and says whether A was', async () => {
		const runs = new RunController();
		const a = experiment(1);
		const b = experiment(1, '&attn=window&attn.window=16');
		cache.set(`null/undefined/undefined|${experimentHash(a)}`, result(1));
		const compared = runs.compare(a, b, { analyze: true });
		await settle();
		expect(calls).toHaveLength(1);
		calls[0].resolve(result(2));
		const done = await compared;
		expect(done).toMatchObject({ a: result(1), b: result(2), fromCache: true });
		// Only B was computed: its time and length feed the estimate of the next run.
		expect(done!.liveLengths).toHaveLength(1);
		expect(done!.liveMs).toBeGreaterThanOrEqual(0);
		expect(cache.get(`null/undefined/undefined|${experimentHash(b)}`)).toEqual(result(2));
	});

	it('computes a cached comparison again when asked for a fresh one, and reads one back without starting a job', async () => {
		const runs = new RunController();
		const a = experiment(1);
		cache.set(`null/undefined/undefined|${experimentHash(a)}`, result(1));
		expect(await runs.cached(a, null, {})).toMatchObject({ a: result(1), b: null, fromCache: true });
		expect(await runs.cached(a, experiment(1, '&attn=window'), {})).toBeNull();
		expect(runs.busy).toBe(false);
		const compared = runs.compare(a, null, {}, { fresh: true });
		await settle();
		expect(calls).toHaveLength(1);
		calls[0].resolve(result(3));
		expect(await compared).toMatchObject({ a: result(3), fromCache: false });
		expect(cache.get(`null/undefined/undefined|${experimentHash(a)}`)).toEqual(result(3));
	});

	it('keeps results apart by execution provider: a WASM result is not shown as a WebGPU run', async () => {
		const { loadedModel } = await import('$lib/worker/loaded-model.svelte');
		const runs = new RunController();
		const a = experiment(1);
		cache.set(`null/undefined/undefined|${experimentHash(a)}`, result(1));
		loadedModel.summary = { executionProvider: 'webgpu' } as never;
		try {
			expect(await runs.cached(a, null, {})).toBeNull();
		} finally {
			loadedModel.summary = null;
		}
	});
});
