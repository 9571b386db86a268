/** Accuracy over context length × needle depth: the classic needle plot, for any experiment. */
import type { Engine } from '../engine/engine';
import { runExperiment, type RunOptions } from './run';
import type { Experiment } from './schema';
import { TaskError } from '../tasks/types';

export interface GridCell {
	length: number;
	depth: number;
	correct: number;
	total: number;
	/** Mean partial score (share of the answer right). */
	partial: number;
}

/** Runs `samples` seeds per cell (seeds from `seedBase`); a length the task cannot fit stays empty. */
export async function needleGrid(
	engine: Engine,
	base: Experiment,
	lengths: number[],
	depths: number[],
	samples: number,
	options: { seedBase?: number; onCell?: (cell: GridCell) => void } & Pick<RunOptions, 'cancelled' | 'yieldToEvents' | 'tokenizer'> = {}
): Promise<GridCell[]> {
	const cells: GridCell[] = [];
	for (const length of lengths) {
		for (const depth of depths) {
			const cell: GridCell = { length, depth, correct: 0, total: 0, partial: 0 };
			for (let s = 0; s < samples; s++) {
				try {
					const result = await runExperiment(engine, { ...base, len: length, depth, seed: (options.seedBase ?? base.seed) + s }, {
						cancelled: options.cancelled,
						yieldToEvents: options.yieldToEvents,
						tokenizer: options.tokenizer
					});
					cell.total++;
					cell.correct += result.correct ? 1 : 0;
					cell.partial += result.partial;
				} catch (error) {
					if (!(error instanceof TaskError)) throw error;
					break;
				}
			}
			if (cell.total) cell.partial /= cell.total;
			cells.push(cell);
			options.onCell?.(cell);
		}
	}
	return cells;
}
