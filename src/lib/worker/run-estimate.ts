/**
 * How long a lab run will take in this browser, said before it starts: the milliseconds per
 * prefill FLOP measured on the last live run of the same model and backend, times the cost
 * model's prefill FLOPs of the new prompt. The FLOPs carry the quadratic attention term, so a
 * rate measured at 256 tokens extrapolates to 16 384 far better than tokens per second would.
 */
import { prefillFlops } from '../cost/analytic';
import type { ModelConfig } from '../engine/config';

const STORAGE_KEY = 'longscope.run-rate';

/** Runs expected to finish within this re-run by themselves after a change. */
export const CHEAP_RUN_MS = 2_000;
/** A link opened with a run expected to take longer waits for Run, with the estimate shown. */
export const LONG_RUN_MS = 30_000;

export interface Estimate {
	ms: number;
	/** From a run measured in this browser; false for the first run of a model, before any measurement. */
	measured: boolean;
}

/**
 * Before any measurement: a deliberately slow rate (1 GFLOP/s, a single WASM thread on an older
 * laptop), so the first estimate errs towards waiting for Run rather than starting a long run.
 */
const PRIOR_MS_PER_FLOP = 1e-6;

/** The last few rates per model and backend: their median, so the first run's warm-up (or one run slowed by other work) does not decide alone. */
type Rates = Record<string, number[]>;
const KEPT_RATES = 5;

function median(values: number[]): number | null {
	const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v) && v > 0).sort((a, b) => a - b);
	return sorted.length === 0 ? null : sorted[Math.floor((sorted.length - 1) / 2)];
}

function readRates(): Rates {
	try {
		const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
		return typeof parsed === 'object' && parsed !== null ? (parsed as Rates) : {};
	} catch {
		return {};
	}
}

const flopsOf = (config: ModelConfig, lengths: number[]) => lengths.reduce((sum, n) => sum + prefillFlops(config, n), 0);

/** Records live runs: prompts of these lengths (A's, and B's) took `ms` of wall time together. */
export function recordRun(modelKey: string, config: ModelConfig, lengths: number[], ms: number): void {
	const flops = flopsOf(config, lengths);
	if (!(flops > 0 && ms > 0)) return;
	const rates = readRates();
	const kept = Array.isArray(rates[modelKey]) ? rates[modelKey] : [];
	rates[modelKey] = [...kept, ms / flops].slice(-KEPT_RATES);
	try {
		localStorage.setItem(STORAGE_KEY, JSON.stringify(rates));
	} catch {
		// Storage blocked: estimates stay at the prior.
	}
}

/** The expected wall time of runs over these prompt lengths (A's, and B's in a comparison). */
export function estimateRun(modelKey: string, config: ModelConfig, lengths: number[]): Estimate {
	const kept = readRates()[modelKey];
	const rate = Array.isArray(kept) ? median(kept) : null;
	return { ms: flopsOf(config, lengths) * (rate ?? PRIOR_MS_PER_FLOP), measured: rate !== null };
}

/** "about 40 s", "about 3 min": an estimate is worth one significant figure. */
export function describeDuration(ms: number): string {
	if (ms < 1_000) return 'under a second';
	if (ms < 60_000) return `about ${Math.round(ms / 1000)} s`;
	return `about ${Math.round(ms / 60_000)} min`;
}
