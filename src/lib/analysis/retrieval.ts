/**
 * Retrieval-head score (Wu et al. 2024, `retrieval_head_detection.py`): at each decoding step,
 * a head scores a hit when its most-attended key lies inside the needle span and is the same
 * token as the one being generated (a copy); the head's score for a sample is
 * hits / (needle length). Scores average over samples whose answer was correct; heads above
 * 0.1 are retrieval heads.
 */
import type { Hooks, LayerContext } from '../engine/hooks';

export const RETRIEVAL_THRESHOLD = 0.1;

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

/**
 * One sample's score per [layer][head]. `steps[k]` is the top-1 key positions used to predict
 * `generated[k]`; `ids` are the sequence's token ids by position; the needle is [start, end).
 */
export function retrievalScores(steps: number[][][], generated: number[], ids: number[], needle: { start: number; end: number }): number[][] {
	const layers = steps[0]?.length ?? 0;
	const heads = steps[0]?.[0]?.length ?? 0;
	const length = needle.end - needle.start;
	const scores = Array.from({ length: layers }, () => new Array(heads).fill(0));
	// Earlier prefill chunks also leave rows; the last len(generated) rows predicted the tokens.
	const predicting = steps.slice(-generated.length);
	generated.forEach((token, k) => {
		for (let l = 0; l < layers; l++) {
			for (let h = 0; h < heads; h++) {
				const j = predicting[k][l][h];
				if (j >= needle.start && j < needle.end && ids[j] === token) scores[l][h] += 1 / length;
			}
		}
	});
	return scores;
}

/** Mean over samples, and the heads above the threshold, strongest first. */
export function summariseRetrieval(samples: number[][][]) {
	if (samples.length === 0) return { mean: [] as number[][], heads: [] as { layer: number; head: number; score: number }[] };
	const mean = samples[0].map((row, l) => row.map((_, h) => samples.reduce((sum, s) => sum + s[l][h], 0) / samples.length));
	const heads = mean
		.flatMap((row, layer) => row.map((score, head) => ({ layer, head, score })))
		.filter((x) => x.score > RETRIEVAL_THRESHOLD)
		.sort((a, b) => b.score - a.score);
	return { mean, heads };
}
