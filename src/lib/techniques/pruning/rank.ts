/** How attention-ranked pruners score tokens. */
import type { LayerContext } from '../../engine/hooks';

/** The last query's attention to each key position, averaged over all query heads. */
export function lastQueryAttention(ctx: LayerContext, probs: Float32Array): Map<number, number> {
	const { heads, kvHeads } = ctx.config;
	const T = ctx.queryPositions.length;
	const scores = new Map<number, number>();
	for (let h = 0; h < heads; h++) {
		const keys = ctx.keyPositions[Math.floor(h / (heads / kvHeads))];
		for (let s = 0; s < keys.length; s++) scores.set(keys[s], (scores.get(keys[s]) ?? 0) + probs[(h * T + T - 1) * ctx.slots + s] / heads);
	}
	return scores;
}
