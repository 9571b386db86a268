/**
 * Runs every cell of a notebook on an engine and checks its claims: the CLI and the tests use
 * this to keep the prose true to what the model measures.
 */
import type { Engine } from '../engine/engine';
import { needleGrid } from '../experiment/needle-grid';
import { runExperiment } from '../experiment/run';
import { cellExperiment, cellKind } from './cell';
import { checkClaims, type ClaimCheck } from './claims';
import type { Notebook } from './notebook';
import { runCell, type CellBackend } from './runner';

/** Each run on its experiment's model (a sweep over models runs several); the rest on the cell's. */
export function engineBackend(engine: Engine, engineFor: (model: string) => Promise<Engine>): CellBackend {
	return {
		run: async (experiment, options) => runExperiment(await engineFor(experiment.model), experiment, options),
		grid: (experiment, lengths, depths, samples) => needleGrid(engine, experiment, lengths, depths, samples),
		shape: () => ({ layers: engine.config.layers, heads: engine.config.heads })
	};
}

export async function checkNotebook(
	notebook: Notebook,
	engineFor: (model: string) => Promise<Engine>,
	onCell: (id: string, metrics: Record<string, number>) => void = () => {}
): Promise<{ metrics: Record<string, Record<string, number>>; checks: ClaimCheck[] }> {
	const metrics: Record<string, Record<string, number>> = {};
	for (const block of notebook.blocks) {
		if (block.kind !== 'cell') continue;
		const spec = block.spec;
		const engine = cellKind(spec) === 'cost' ? null : await engineFor(cellExperiment(spec).experiment.model);
		const backend: CellBackend = engine
			? engineBackend(engine, engineFor)
			: { run: () => Promise.reject(new Error('a cost cell runs no model')), grid: () => Promise.resolve([]), shape: () => ({ layers: 0, heads: 0 }) };
		metrics[spec.id] = (await runCell(spec, backend)).metrics;
		onCell(spec.id, metrics[spec.id]);
	}
	return { metrics, checks: checkClaims(notebook.claims, (cell) => metrics[cell]) };
}
