/**
 * A page's runs through the engine worker, with the state its status line shows: busy, progress,
 * error, and cancel. The lab holds one for its runs and for the studies its views start (needle
 * grid, head ablation), so they share one status and a new job replaces the running one; each
 * notebook cell holds its own.
 */
import type * as Comlink from 'comlink';
import { CancelledError } from '../engine/errors';
import type { Progress } from '../engine/engine';
import type { Runner } from '../experiment/ablation-study';
import type { GridCell } from '../experiment/needle-grid';
import { cacheKey, cacheResult, cachedResult } from '../experiment/result-cache';
import type { RunResult } from '../experiment/run';
import type { Experiment } from '../experiment/schema';
import { experimentHash } from '../experiment/hash';
import { engineClient } from './client';
import { useModel } from './load-model';
import { loadedModel, loadedModelKey } from './loaded-model.svelte';
import type { EngineApi } from './protocol';

type RunRequest = Parameters<Runner>[1];

/** What a job may ask of the worker; each call reports progress to the controller. */
export interface Job {
	run: Runner;
	grid: (experiment: Experiment, lengths: number[], depths: number[], samples: number) => Promise<GridCell[]>;
	/** Loads the model a run needs into the worker (a sweep over models), unless it holds it already. */
	useModel: (id: string) => Promise<void>;
}

/** A's run and, in an A/B comparison, B's on the same prompt. */
export interface Comparison {
	a: RunResult;
	b: RunResult | null;
	/** A came from this browser's result cache. */
	fromCache: boolean;
	/** Wall time of the runs computed here (not read from the cache), for the estimate of the next. */
	liveMs: number;
	/** Prompt lengths of the runs computed here (empty when both came from the cache). */
	liveLengths: number[];
}

/** The cache key of a run on the loaded model: the model, the experiment's hash, the options. */
const resultKey = (experiment: Experiment, options: RunRequest) => cacheKey(loadedModelKey(), experimentHash(experiment), options);

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class RunController {
	busy = $state(false);
	progress: Progress | null = $state(null);
	error: string | null = $state(null);

	/** Every job gets a number; only the newest may write the state (the worker cancels older ones). */
	private latest = 0;
	/** The job the user cancelled: checked before each call, since a cancel clicked while the result cache is read reaches the worker before the run does. */
	private cancelled = 0;

	/**
	 * Runs `work` as the newest job. Resolves to its value, or to undefined when it failed (the
	 * error is shown), was cancelled, or a newer job took over.
	 */
	async start<T>(work: (job: Job) => Promise<T>): Promise<T | undefined> {
		const id = ++this.latest;
		const current = () => id === this.latest;
		const onProgress = (p: Progress) => {
			if (current()) this.progress = p;
		};
		// On the worker the newest call wins: a job that is no longer current must not cancel its successor's.
		const call = async <R>(use: (api: Comlink.Remote<EngineApi>, progress: (p: Progress) => void) => Promise<R>) => {
			if (!current() || this.cancelled === id) throw new CancelledError();
			return engineClient().call(use, onProgress);
		};
		const job: Job = {
			run: async (experiment, options) => {
				const result = await call((api, p) => api.run($state.snapshot(experiment), $state.snapshot(options), p));
				loadedModel.lastRun = result.model;
				return result;
			},
			grid: (experiment, lengths, depths, samples) => call((api, p) => api.grid($state.snapshot(experiment), lengths, depths, samples, p)),
			useModel: async (model) => {
				if (!current() || this.cancelled === id) throw new CancelledError();
				await useModel(model, onProgress);
			}
		};
		this.busy = true;
		this.error = null;
		this.progress = null;
		try {
			const value = await work(job);
			return current() ? value : undefined;
		} catch (error) {
			if (current()) this.error = message(error);
			return undefined;
		} finally {
			if (current()) this.busy = false;
		}
	}

	/**
	 * Runs A and then B, each taken from the result cache when this model ran it before with these
	 * options; `fresh` computes them again (and caches the new results), as when Run is pressed on a
	 * result already shown.
	 */
	compare(a: Experiment, b: Experiment | null, options: RunRequest, { fresh = false } = {}): Promise<Comparison | undefined> {
		return this.start(async (job) => {
			let liveMs = 0;
			const liveLengths: number[] = [];
			const cached = async (experiment: Experiment) => {
				const key = resultKey(experiment, options);
				const hit = fresh ? undefined : await cachedResult(key);
				if (hit) return { result: hit, cached: true };
				const started = performance.now();
				const computed = await job.run(experiment, options);
				liveMs += performance.now() - started;
				liveLengths.push(computed.promptTokens);
				await cacheResult(key, computed);
				return { result: computed, cached: false };
			};
			const first = await cached(a);
			const second = b ? await cached(b) : null;
			return { a: first.result, b: second?.result ?? null, fromCache: first.cached, liveMs, liveLengths };
		});
	}

	/** A comparison entirely in this browser's result cache, or null: read without starting a job, so it never cancels one. */
	async cached(a: Experiment, b: Experiment | null, options: RunRequest): Promise<Comparison | null> {
		const first = await cachedResult(resultKey(a, options));
		const second = b ? await cachedResult(resultKey(b, options)) : null;
		if (!first || (b && !second)) return null;
		return { a: first, b: second ?? null, fromCache: true, liveMs: 0, liveLengths: [] };
	}

	cancel(): void {
		this.cancelled = this.latest;
		engineClient().cancel();
	}
}
