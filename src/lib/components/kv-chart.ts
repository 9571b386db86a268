/**
 * The KV memory chart's data: per run (A, B) and measure (resident, read per decode step), the
 * analytic curve against context length and the engine's measured point, in bytes.
 */
import { kvBytes, type KvDtype } from '$lib/cost';
import { policyTokens } from '$lib/cost/policy';
import type { ModelConfig } from '$lib/engine/config';
import type { Experiment } from '$lib/experiment';
import type { RunResult } from '$lib/experiment/run';

export type Side = 'A' | 'B';
export type KvMeasure = 'resident' | 'read';

export interface KvPoint {
	run: Side;
	measure: KvMeasure;
	tokens: number;
	bytes: number;
}

/** Context lengths from 1 to `max` in `steps` even steps. */
const lengths = (max: number, steps: number) => [...new Set(Array.from({ length: steps + 1 }, (_, i) => Math.max(1, Math.round((max * i) / steps))))];

export function analyticKv(run: Side, experiment: Experiment, config: ModelConfig, max: number, dtype: KvDtype, steps = 40): KvPoint[] {
	return lengths(max, steps).flatMap((tokens) => {
		const { resident, read } = policyTokens(experiment, config, tokens);
		return [
			{ run, measure: 'resident' as const, tokens, bytes: kvBytes(config, resident, dtype) },
			{ run, measure: 'read' as const, tokens, bytes: kvBytes(config, read, dtype) }
		];
	});
}

/** What the engine held and read at the end of the run (the read is absent when nothing was decoded). */
export function measuredKv(run: Side, result: RunResult): KvPoint[] {
	const tokens = result.promptTokens + result.timings.decodeSteps;
	const points: KvPoint[] = [{ run, measure: 'resident', tokens, bytes: result.kv.residentBytes }];
	if (result.kv.bytesReadPerStep !== null) points.push({ run, measure: 'read', tokens, bytes: result.kv.bytesReadPerStep });
	return points;
}

/** Whether a run's read curve lies on its resident curve everywhere, so one line hides the other. */
export function readEqualsResident(points: KvPoint[], run: Side): boolean {
	const resident = new Map(points.filter((p) => p.run === run && p.measure === 'resident').map((p) => [p.tokens, p.bytes]));
	const read = points.filter((p) => p.run === run && p.measure === 'read');
	return read.length > 0 && read.every((p) => Math.abs(p.bytes - (resident.get(p.tokens) ?? NaN)) <= 1e-9 * Math.max(1, p.bytes));
}
