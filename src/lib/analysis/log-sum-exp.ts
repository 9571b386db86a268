/** log Σ exp(x), shifted by the maximum so large logits do not overflow. */
export function logSumExp(x: ArrayLike<number>): number {
	let max = -Infinity;
	for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]);
	let sum = 0;
	for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] - max);
	return max + Math.log(sum);
}
