/**
 * The RoPE frequency formulas of Hugging Face's `modeling_rope_utils` (`ROPE_INIT_FUNCTIONS`),
 * as pure functions of the head dimension d, base b and scale factor s.
 */
import { ropeInvFreq } from '../../engine/rope';
import type { ModelConfig } from '../../engine/config';

/** Position Interpolation: every frequency divided by s (≡ positions divided by s). */
export function linearInvFreq(d: number, base: number, s: number): Float64Array {
	return ropeInvFreq(d, base).map((theta) => theta / s);
}

/** NTK-aware base: b' = b · s^(d/(d−2)). */
export function ntkBase(d: number, base: number, s: number): number {
	return base * s ** (d / (d - 2));
}

/** Dynamic NTK: with m = max(seqLen, L0), b' = b · (s·m/L0 − (s−1))^(d/(d−2)). */
export function dynamicNtkBase(d: number, base: number, s: number, seqLen: number, L0: number): number {
	const m = Math.max(seqLen, L0);
	return base * ((s * m) / L0 - (s - 1)) ** (d / (d - 2));
}

/** YaRN ("NTK-by-parts") frequencies and attention factor. */
export function yarn(d: number, base: number, s: number, L0: number, betaFast: number, betaSlow: number, attentionFactor?: number) {
	const correction = (rotations: number) => (d * Math.log(L0 / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
	const lo = Math.max(Math.floor(correction(betaFast)), 0);
	let hi = Math.min(Math.ceil(correction(betaSlow)), d - 1);
	if (lo === hi) hi += 0.001;
	const original = ropeInvFreq(d, base);
	const invFreq = original.map((theta, i) => {
		const gamma = 1 - Math.min(Math.max((i - lo) / (hi - lo), 0), 1);
		return (1 - gamma) * (theta / s) + gamma * theta;
	});
	return { invFreq, attentionFactor: attentionFactor ?? 0.1 * Math.log(s) + 1, lo, hi };
}

export function ropeOnly(config: ModelConfig, name: string): string | null {
	return config.positionEncoding === 'rope'
		? null
		: `${name} rescales rotary positions, but this model uses ${config.positionEncoding === 'alibi' ? 'ALiBi' : 'no position encoding'}.`;
}

/** The length a scaling is relative to: the parameter, or the model's trained context when 0. */
export function originalLength(value: number, config: ModelConfig): number {
	return value > 0 ? value : config.maxPositions;
}
