/**
 * Per-head attention statistics gathered while the engine runs, from each row's summary that
 * attention computes beside it (never a map): sink mass (share of attention on the first
 * SINK_TOKENS positions), entropy of each row, and mean attention distance (locality), each
 * averaged over all observed query rows.
 */
import type { Hooks, LayerContext, RowStats } from '../engine/hooks';

export interface HeadStats {
	/** [layer][head] */
	sinkMass: number[][];
	entropy: number[][];
	distance: number[][];
	rows: number;
}

export function headStatsCollector(layers: number, heads: number) {
	const grid = () => Array.from({ length: layers }, () => new Float64Array(heads));
	const sink = grid();
	const entropy = grid();
	const distance = grid();
	const rows = Array.from({ length: layers }, () => 0);

	const observeRowStats = (ctx: LayerContext, stats: RowStats) => {
		const T = ctx.queryPositions.length;
		for (let h = 0; h < heads; h++) {
			for (let t = 0; t < T; t++) {
				const row = h * T + t;
				sink[ctx.layer][h] += stats.sinkMass[row];
				entropy[ctx.layer][h] += stats.entropy[row];
				distance[ctx.layer][h] += ctx.queryPositions[t] - stats.meanKeyPosition[row];
			}
		}
		rows[ctx.layer] += T;
	};

	return {
		hooks: { observeRowStats } as Hooks,
		result(): HeadStats {
			const mean = (g: Float64Array[]) => g.map((row, l) => Array.from(row, (v) => v / Math.max(1, rows[l])));
			return { sinkMass: mean(sink), entropy: mean(entropy), distance: mean(distance), rows: rows[0] };
		}
	};
}
