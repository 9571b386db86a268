/**
 * Retrieval-head score (Wu et al. 2024, `retrieval_head_detection.py`): at each decoding step,
 * a head scores a hit when its most-attended key lies inside the needle span and is the same
 * token as the one being generated (a copy); the head's score for a sample is
 * hits / (needle length). Scores average over samples whose answer was correct; heads above
 * 0.1 are retrieval heads.
 *
 * In the reference the model answers by repeating the whole needle, so the needle *is* what gets
 * copied. Our tasks ask for a value inside an evidence sentence (" The pass key is 92923.
 * Remember it. 92923 is …"): there the copied span is the answer, written once or more, and a
 * perfect copy head must score 1 — with the sentence as denominator no head could ever pass 0.1.
 */
import type { TokenSpan } from '../tasks/types';

export const RETRIEVAL_THRESHOLD = 0.1;

/** The spans a correct answer copies from: the answer inside each real needle (not a distractor's). */
export function copiedSpans(spans: TokenSpan[]): TokenSpan[] {
	const needles = spans.filter((s) => s.kind === 'needle');
	return spans.filter((s) => s.kind === 'answer' && needles.some((n) => n.start <= s.start && s.end <= n.end));
}

/**
 * One sample's score per [layer][head]. `steps[k]` is the top-1 key positions used to predict
 * `generated[k]`; `ids` are the sequence's token ids by position; `copied` are the [start, end)
 * spans holding the text to copy (occurrences of one text, so of one length).
 */
export function retrievalScores(steps: number[][][], generated: number[], ids: number[], copied: { start: number; end: number }[]): number[][] {
	const layers = steps[0]?.length ?? 0;
	const heads = steps[0]?.[0]?.length ?? 0;
	const length = Math.max(...copied.map((s) => s.end - s.start));
	const inside = (j: number) => copied.some((s) => j >= s.start && j < s.end);
	const scores = Array.from({ length: layers }, () => new Array(heads).fill(0));
	// Earlier prefill chunks also leave rows; the last len(generated) rows predicted the tokens.
	const predicting = steps.slice(-generated.length);
	generated.forEach((token, k) => {
		for (let l = 0; l < layers; l++) {
			for (let h = 0; h < heads; h++) {
				const j = predicting[k][l][h];
				if (inside(j) && ids[j] === token) scores[l][h] += 1 / length;
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
