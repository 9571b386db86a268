/** Which key each head attends to most while the model writes its answer (for retrieval-head scores). */
import { holdsLastRow, type Hooks, type LayerContext, type RowStats } from '../engine/hooks';

/** Top-1 attended key position per head, for the newest query row of each decode step and of the prompt. */
export function topKeyCollector(layers: number, heads: number) {
	/** steps[k][layer][head] = original position of the top-1 key when predicting token k. */
	const steps: number[][][] = [];
	const observeRowStats = (ctx: LayerContext, stats: RowStats) => {
		// Only the prompt's last row predicts a token: the prefill's other chunks say nothing here.
		if (ctx.phase === 'prefill' && !holdsLastRow(ctx)) return;
		const T = ctx.queryPositions.length;
		if (ctx.layer === 0) steps.push(Array.from({ length: layers }, () => new Array(heads).fill(-1)));
		const step = steps[steps.length - 1];
		for (let h = 0; h < heads; h++) step[ctx.layer][h] = stats.topKey[h * T + T - 1];
	};
	return { hooks: { observeRowStats } as Hooks, steps };
}
