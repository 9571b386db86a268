/**
 * A live cell: an experiment in the lab's URL form, the views it shows, and what it measures.
 * One shape serves five kinds of cell: a run over a few seeds, a needle grid, a retrieval-head
 * ablation, a cost estimate for a model and hardware preset, and a sweep.
 */
import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { catalog, decodeQuery, experimentHash, type Experiment } from '../experiment';
import type { ViewId } from '../experiment/views';

export const cellSchema = z.strictObject({
	id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a cell id is lower-case letters, digits and "-"'),
	title: z.string().optional(),
	/** The experiment, as the query string of a lab link (including `views=`). */
	experiment: z.string(),
	/** Runs seeds seed, seed+1, …; metrics are averaged over them. */
	seeds: z.number().int().min(1).max(32).default(1),
	/** Also measure attention-mass recall of the pattern. */
	recall: z.boolean().default(false),
	/** Also gather per-head statistics, retrieval scores and the KL to full attention. */
	analyze: z.boolean().default(false),
	grid: z.strictObject({ lengths: z.array(z.number().int().positive()).min(1), depths: z.array(z.number().min(0).max(1)).min(1) }).optional(),
	/** Mask this many of the strongest retrieval heads, and as many random heads, over `seeds`. */
	ablate: z.number().int().min(1).optional(),
	/** A sweep of the experiment: its sweep keys (`sweep.x=kv.ratio:0.25,0.5&sweep.series=kv:snapkv,h2o`, lib/sweep/spec.ts); `seeds` seeds per point. */
	sweep: z.string().optional(),
	cost: z
		.strictObject({
			model: z.string(),
			hardware: z.string(),
			tokens: z.array(z.number().int().positive()).min(1),
			kvDtype: z.enum(['fp32', 'fp16', 'int8', 'int4']).default('fp16')
		})
		.optional()
});

export type CellSpec = z.infer<typeof cellSchema>;
export type CellKind = 'run' | 'grid' | 'ablation' | 'cost' | 'sweep';

export function cellKind(spec: CellSpec): CellKind {
	return spec.cost ? 'cost' : spec.grid ? 'grid' : spec.ablate ? 'ablation' : spec.sweep ? 'sweep' : 'run';
}

export function cellExperiment(spec: CellSpec): { experiment: Experiment; problems: string[] } {
	const decoded = decodeQuery(spec.experiment, catalog);
	return { experiment: decoded.experiment, problems: decoded.problems.map((p) => p.message) };
}

/** A sweep cell's sweep link query: its experiment's query, its sweep keys, and its seeds. */
export function cellSweepQuery(spec: CellSpec, experimentQuery: string, seed: number, seeds: number): string {
	return `${experimentQuery}&${spec.sweep}&sweep.seeds=${seed}..${seed + seeds - 1}`;
}

/** The views that show what a kind of cell measures, for a lab link whose experiment names none. */
const KIND_VIEWS: Record<CellKind, ViewId[]> = {
	run: ['heatmap', 'heads', 'kv'],
	grid: ['needle'],
	ablation: ['heads', 'retrieval'],
	cost: ['kv', 'latency'],
	sweep: ['kv']
};

/** The experiment a cell's "Open in lab" link opens: never with every view switched off. */
export function labExperiment(spec: CellSpec, experiment: Experiment): Experiment {
	return experiment.views.length ? experiment : { ...experiment, views: KIND_VIEWS[cellKind(spec)] };
}

/**
 * What identifies a cell's result. A cost estimate depends on its model preset, hardware, lengths
 * and KV precision, none of which is part of the lab's experiment, so they are hashed in: two cost
 * cells on one experiment but in fp16 and int4 must not show one id.
 */
export function cellHash(spec: CellSpec, experiment: Experiment): string {
	const hash = experimentHash(experiment);
	if (!spec.cost) return hash;
	const { model, hardware, tokens, kvDtype } = spec.cost;
	return bytesToHex(sha256(utf8ToBytes(JSON.stringify([hash, model, hardware, tokens, kvDtype]))));
}

/** What a cell needs its metrics for: these keys are what claims may name. */
export const CELL_METRICS: Record<CellKind, string> = {
	run: 'accuracy, partial, density, recall, klToFull, nll, residentKvKiB, kvReadKiB, flopsSaved, retrievalHeads, sinkMass',
	grid: 'accuracy, accuracy@<length>',
	ablation: 'accuracy, retrievalMasked, randomMasked, retrievalHeads',
	cost: 'residentKvGiB@<tokens>, kvReadGiB@<tokens>, msPerToken@<tokens>, ttftSeconds@<tokens>, concurrency@<tokens>',
	sweep: 'accuracy, accuracy@<series>, accuracy@<series>@<x>, partial@<series>@<x>, nll@<series>@<x> (analysed; without a series: accuracy@<x>, partial@<x>, nll@<x>)'
};
