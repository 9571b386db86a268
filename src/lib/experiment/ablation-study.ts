/**
 * The retrieval-head causal test (Wu et al.): needle accuracy with no head masked, with the
 * chosen retrieval heads masked, and with as many random heads masked, over the same seeds.
 */
import type { Experiment } from './schema';
import type { RunOptions, RunResult } from './run';
import { summariseRetrieval } from '../analysis/retrieval';
import { randomHeads, type HeadRef } from '../probes/ablation';

export type Runner = (experiment: Experiment, options: Pick<RunOptions, 'maskHeads' | 'analyze' | 'measureRecall' | 'capture'>) => Promise<RunResult>;

export interface AblationRow {
	label: 'none masked' | 'retrieval heads masked' | 'random heads masked';
	heads: HeadRef[];
	correct: number;
	total: number;
}

/**
 * Heads whose mean retrieval score exceeds the threshold, strongest first. As in the reference,
 * only runs that answered (more than half of the answer right, its ROUGE-1 recall > 50) count.
 */
export function strongestRetrievalHeads(results: RunResult[]): { layer: number; head: number; score: number }[] {
	return summariseRetrieval(results.filter((r) => r.partial > 0.5 && r.heads?.retrieval).map((r) => r.heads!.retrieval!)).heads;
}

export async function ablationStudy(run: Runner, experiment: Experiment, chosen: HeadRef[], shape: { layers: number; heads: number }, seeds: number, count = chosen.length): Promise<AblationRow[]> {
	const controls = randomHeads(shape.layers, shape.heads, chosen.length || count, chosen, experiment.seed);
	const rows: AblationRow[] = [];
	const arms: [AblationRow['label'], HeadRef[]][] = [['none masked', []], ['retrieval heads masked', chosen], ['random heads masked', controls]];
	for (const [label, masked] of arms) {
		if (label === 'retrieval heads masked' && masked.length === 0) continue;
		let correct = 0;
		for (let s = 0; s < seeds; s++) correct += (await run({ ...experiment, seed: experiment.seed + s }, { maskHeads: masked })).correct ? 1 : 0;
		rows.push({ label, heads: masked, correct, total: seeds });
	}
	return rows;
}
