/** KL(p ‖ q) between the next-token distributions of two logit vectors (p: the reference run). */
export function klDivergence(referenceLogits: ArrayLike<number>, logits: ArrayLike<number>): number {
	const logSoftmax = (x: ArrayLike<number>) => {
		let max = -Infinity;
		for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]);
		let sum = 0;
		for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] - max);
		const log = max + Math.log(sum);
		return Float64Array.from({ length: x.length }, (_, i) => x[i] - log);
	};
	const lp = logSoftmax(referenceLogits);
	const lq = logSoftmax(logits);
	let kl = 0;
	for (let i = 0; i < lp.length; i++) kl += Math.exp(lp[i]) * (lp[i] - lq[i]);
	return Math.max(0, kl);
}
