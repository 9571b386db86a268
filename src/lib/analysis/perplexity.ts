/** Perplexity by position: per-token negative log-likelihood, averaged in position buckets. */
import { logSumExp } from './log-sum-exp';

export function nllPerToken(logits: Float32Array, ids: number[], vocab: number): Float64Array {
	const nll = new Float64Array(ids.length - 1);
	for (let t = 0; t < ids.length - 1; t++) {
		const row = logits.subarray(t * vocab, (t + 1) * vocab);
		nll[t] = logSumExp(row) - row[ids[t + 1]];
	}
	return nll;
}

/** exp(mean NLL) per bucket of `bucket` predicted positions. */
export function perplexityByPosition(nll: Float64Array, bucket: number): { start: number; end: number; perplexity: number }[] {
	const out = [];
	for (let start = 0; start < nll.length; start += bucket) {
		const slice = nll.subarray(start, Math.min(nll.length, start + bucket));
		out.push({ start: start + 1, end: start + slice.length, perplexity: Math.exp(slice.reduce((a, b) => a + b, 0) / slice.length) });
	}
	return out;
}
