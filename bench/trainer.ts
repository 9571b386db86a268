/**
 * Trainer matmuls: the lab model's projection (x Wᵀ, forward and both gradients) through
 * `matMul2d` against the same product written with TF.js's transpose flag, in the same run.
 * Ratio = flagged time / matMul2d time: how much the explicit transposes buy on the WASM backend.
 */
import { matMul2d } from '../training/model';
import { tf, useWasm } from '../training/tf';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import { median } from './timing';

export async function benchTrainer() {
	await useWasm();
	const rows = [];
	// [tokens, in] × [out, in]ᵀ: an attention projection and the MLP's up projection at 8 × 256 tokens.
	for (const [tokens, input, output] of [
		[2048, 96, 96],
		[2048, 96, 256]
	]) {
		const x = tf.randomNormal([tokens, input]);
		const w = tf.randomNormal([output, input]);
		const step = (product: (x: Tensor, w: Tensor) => Tensor) => () =>
			tf.tidy(() => tf.grads((a: Tensor, b: Tensor) => tf.sum(product(a, b)))([x, w]).forEach((g) => g.dataSync()));
		const flagged = await median(10, step((a, b) => tf.matMul(a as Tensor2D, b as Tensor2D, false, true)));
		const explicit = await median(10, step((a, b) => matMul2d(a, tf.transpose(b))));
		rows.push({ benchmark: `trainer x·Wᵀ fwd+bwd [${tokens}×${input}]·[${output}×${input}]ᵀ`, 'transpose flag ms (median)': +flagged.toFixed(1), 'matMul2d ms (median)': +explicit.toFixed(1), ratio: +(flagged / explicit).toFixed(1) });
	}
	console.table(rows);
}
