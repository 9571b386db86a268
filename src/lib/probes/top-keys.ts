/** Which key each head attends to most while the model writes its answer (for retrieval-head scores). */
import type { Hooks, LayerContext } from '../engine/hooks';

/** Top-1 attended key position per head, for the newest query row of each call. */
export function topKeyCollector(layers: number, heads: number, group: number) {
	/** steps[k][layer][head] = original position of the top-1 key when predicting token k. */
	const steps: number[][][] = [];
	const observe = (ctx: LayerContext, probs: Float32Array) => {
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		if (ctx.layer === 0) steps.push(Array.from({ length: layers }, () => new Array(heads).fill(-1)));
		const step = steps[steps.length - 1];
		for (let h = 0; h < heads; h++) {
			const keys = ctx.keyPositions[Math.floor(h / group)];
			let best = 0;
			for (let s = 1; s < keys.length; s++) if (probs[(h * T + T - 1) * S + s] > probs[(h * T + T - 1) * S + best]) best = s;
			step[ctx.layer][h] = keys[best];
		}
	};
	return { hooks: { observe } as Hooks, steps };
}
