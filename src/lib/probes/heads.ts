/**
 * Per-head attention statistics gathered while the engine runs (never storing the maps):
 * sink mass (share of attention on the first `sinkTokens` positions), entropy of each row, and
 * mean attention distance (locality), each averaged over all observed query rows.
 */
import type { Hooks, LayerContext } from '../engine/hooks';

export interface HeadStats {
	/** [layer][head] */
	sinkMass: number[][];
	entropy: number[][];
	distance: number[][];
	rows: number;
}

export function headStatsCollector(layers: number, heads: number, group: number, sinkTokens = 4) {
	const grid = () => Array.from({ length: layers }, () => new Float64Array(heads));
	const sink = grid();
	const entropy = grid();
	const distance = grid();
	const rows = Array.from({ length: layers }, () => 0);

	const observe = (ctx: LayerContext, probs: Float32Array) => {
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		for (let h = 0; h < heads; h++) {
			const keys = ctx.keyPositions[Math.floor(h / group)];
			for (let t = 0; t < T; t++) {
				const q = ctx.queryPositions[t];
				let s0 = 0;
				let e = 0;
				let dist = 0;
				for (let s = 0; s < keys.length; s++) {
					const p = probs[(h * T + t) * S + s];
					if (p <= 0) continue;
					if (keys[s] < sinkTokens) s0 += p;
					e -= p * Math.log(p);
					dist += p * (q - keys[s]);
				}
				sink[ctx.layer][h] += s0;
				entropy[ctx.layer][h] += e;
				distance[ctx.layer][h] += dist;
			}
		}
		rows[ctx.layer] += T;
	};

	return {
		hooks: { observe } as Hooks,
		result(): HeadStats {
			const mean = (g: Float64Array[]) => g.map((row, l) => Array.from(row, (v) => v / Math.max(1, rows[l])));
			return { sinkMass: mean(sink), entropy: mean(entropy), distance: mean(distance), rows: rows[0] };
		}
	};
}
