/** GemFilter's first pass: read the prompt up to the filter layer and pick the tokens to keep. */
import type { Engine } from '../../engine/engine';
import { holdsLastRow } from '../../engine/hooks';
import type { ParamValues } from '../../params/param-spec';
import { pool } from '../kv/select';
import { topK } from '../ranking';

/** Indices (ascending) of the prompt tokens GemFilter keeps; `chunkSize` bounds the prefill's score blocks. */
export async function gemFilterSelect(engine: Engine, ids: number[], params: ParamValues, chunkSize?: number): Promise<number[]> {
	const { heads, kvHeads } = engine.config;
	const group = heads / kvHeads;
	const layer = params.layer as number;
	let selected: number[] = [];
	const seq = engine.sequence({
		observeScores: (ctx) => {
			const T = ctx.queryPositions.length;
			// Only the chunk holding the prompt's last row has the query that ranks the tokens.
			if (ctx.layer !== layer || !holdsLastRow(ctx)) return;
			const S = ctx.slots;
			const logits = ctx.scores();
			const summed = new Float64Array(ids.length);
			for (let h = 0; h < heads; h++) {
				const keys = ctx.keyPositions[Math.floor(h / group)];
				for (let s = 0; s < keys.length; s++) summed[keys[s]] += logits[(h * T + T - 1) * S + s];
			}
			const pooled = pool(summed, params.kernel as number, 'avg');
			selected = topK(pooled, params.topk as number, Array.from(ids, (_, i) => i));
		}
	});
	// Nothing after the filter layer is needed.
	await seq.prefillThrough(ids, layer, { chunkSize });
	return selected;
}
