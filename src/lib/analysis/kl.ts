import { logSumExp } from './log-sum-exp';

/** KL(p ‖ q) between the next-token distributions of two logit vectors (p: the reference run). */
export function klDivergence(referenceLogits: ArrayLike<number>, logits: ArrayLike<number>): number {
	const logSoftmax = (x: ArrayLike<number>) => {
		const log = logSumExp(x);
		return Float64Array.from({ length: x.length }, (_, i) => x[i] - log);
	};
	const lp = logSoftmax(referenceLogits);
	const lq = logSoftmax(logits);
	let kl = 0;
	for (let i = 0; i < lp.length; i++) kl += Math.exp(lp[i]) * (lp[i] - lq[i]);
	return Math.max(0, kl);
}

/** Logits of one prefill with the positions of their rows. */
export interface PositionedLogits {
	logits: Float32Array;
	positions: Int32Array;
}

/** Mean KL(p ‖ q) over the positions both runs have logits for (p: the reference run). */
export function meanKlDivergence(reference: PositionedLogits, run: PositionedLogits, vocab: number): number {
	const rowOf = new Map(Array.from(run.positions, (p, r) => [p, r]));
	let sum = 0;
	let count = 0;
	reference.positions.forEach((p, r) => {
		const other = rowOf.get(p);
		if (other === undefined) return;
		sum += klDivergence(reference.logits.subarray(r * vocab, (r + 1) * vocab), run.logits.subarray(other * vocab, (other + 1) * vocab));
		count++;
	});
	return count ? sum / count : 0;
}

/** Mean negative log-likelihood (nats) of the actual next token at each row that has one. */
export function meanNextTokenNll(run: PositionedLogits, ids: ArrayLike<number>, vocab: number): number {
	let sum = 0;
	let count = 0;
	run.positions.forEach((p, r) => {
		if (p + 1 >= ids.length) return;
		const row = run.logits.subarray(r * vocab, (r + 1) * vocab);
		sum += logSumExp(row) - row[ids[p + 1]];
		count++;
	});
	return count ? sum / count : Number.NaN;
}
