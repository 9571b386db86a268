/**
 * One head's attention map for the heatmap: the rows of the last prefill call, then one row per
 * decoded token (where the model looks while it answers), over the union of the keys they saw.
 */
import type { Hooks } from '../engine/hooks';

export interface AttentionMap {
	layer: number;
	head: number;
	/** Row-major [queries, keys] probabilities; 0 where masked or not yet written. */
	probs: Float32Array;
	queryPositions: number[];
	keyPositions: number[];
	/** How many of the rows (the last ones) come from decode steps. */
	decodeRows: number;
	/** Positions this head's KV head still holds at the end of the run (the rest were evicted). */
	residentKeys?: number[];
}

interface Block {
	queries: Int32Array;
	keys: Int32Array;
	/** [queries, keys] */
	probs: Float32Array;
}

/** Collects the map; `result()` assembles it, or returns undefined past `maxFloats`. */
export function attentionMapCollector(capture: { layer: number; head: number }, group: number, maxFloats: number) {
	/** The prompt's rows, one block per prefill chunk; null once they outgrow `maxFloats`. */
	let prefill: Block[] | null = null;
	const decode: Block[] = [];
	const hooks: Hooks = {
		wantsProbabilities: (ctx) => ctx.layer === capture.layer,
		observe: (ctx, probs) => {
			const T = ctx.queryPositions.length;
			const keys = ctx.keyPositions[Math.floor(capture.head / group)];
			const first = ctx.phase === 'decode' ? T - 1 : 0;
			const rows = T - first;
			if (ctx.phase === 'prefill' && ctx.rowOffset === 0) {
				prefill = [];
				decode.length = 0;
			}
			if (ctx.phase === 'prefill' && (!prefill || ctx.callPositions.length * keys.length > maxFloats)) {
				prefill = null;
				return;
			}
			const out = new Float32Array(rows * keys.length);
			for (let t = first; t < T; t++) out.set(probs.subarray((capture.head * T + t) * ctx.slots, (capture.head * T + t) * ctx.slots + keys.length), (t - first) * keys.length);
			const block = { queries: ctx.queryPositions.slice(first), keys: keys.slice(), probs: out };
			if (ctx.phase === 'prefill') prefill!.push(block);
			else decode.push(block);
		}
	};
	function result(): AttentionMap | undefined {
		if (!prefill) return undefined;
		const blocks = [...prefill, ...decode];
		const keyPositions = [...new Set(blocks.flatMap((b) => Array.from(b.keys)))].sort((a, b) => a - b);
		const queryPositions = blocks.flatMap((b) => Array.from(b.queries));
		if (queryPositions.length * keyPositions.length > maxFloats) return undefined;
		const column = new Map(keyPositions.map((p, i) => [p, i]));
		const probs = new Float32Array(queryPositions.length * keyPositions.length);
		let row = 0;
		for (const b of blocks) {
			for (let t = 0; t < b.queries.length; t++, row++) {
				for (let s = 0; s < b.keys.length; s++) probs[row * keyPositions.length + column.get(b.keys[s])!] = b.probs[t * b.keys.length + s];
			}
		}
		return { ...capture, probs, queryPositions, keyPositions, decodeRows: decode.reduce((n, b) => n + b.queries.length, 0) };
	}
	return { hooks, result };
}
