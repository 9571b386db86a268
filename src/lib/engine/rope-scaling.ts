/**
 * RoPE frequencies as Hugging Face's `modeling_rope_utils` computes them (`ROPE_INIT_FUNCTIONS`
 * and `dynamic_rope_update`), as pure functions of the rotary dimension d, the base b and a
 * scaling. A config's `rope_scaling` and the lab's position schemes use the same functions.
 */
import { ropeInvFreq } from './rope';

/**
 * A config's rope scaling with every default resolved (config.ts reads it). `original` is the
 * length RoPE was pretrained at, from which the factor extends it.
 */
export type RopeScaling =
	| { type: 'linear'; factor: number }
	| { type: 'dynamic'; factor: number; original: number }
	| { type: 'yarn'; factor: number; original: number; betaFast: number; betaSlow: number; truncate: boolean; attentionFactor: number }
	| { type: 'llama3'; factor: number; original: number; lowFreqFactor: number; highFreqFactor: number }
	| { type: 'longrope'; factor: number; original: number; shortFactor: number[]; longFactor: number[]; attentionFactor: number };

export type RopeType = RopeScaling['type'];

/** Rotary frequencies θ_i and the factor cos and sin are multiplied by (logits by its square). */
export interface RopeFrequencies {
	invFreq: Float64Array;
	attentionFactor: number;
}

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

/** YaRN's default attention factor, m(s, μ) = 0.1·μ·ln s + 1 (1 when s ≤ 1). */
export function yarnMscale(s: number, mscale = 1): number {
	return s <= 1 ? 1 : 0.1 * mscale * Math.log(s) + 1;
}

/**
 * YaRN ("NTK-by-parts") frequencies: pairs below the β_fast correction dimension keep their
 * frequency, pairs above β_slow's are divided by s, a linear ramp between. Transformers rounds
 * the two dimensions outward unless the config sets `truncate: false`.
 */
export function yarn(d: number, base: number, s: number, L0: number, betaFast: number, betaSlow: number, attentionFactor?: number, truncate = true) {
	const correction = (rotations: number) => (d * Math.log(L0 / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
	const lo = Math.max(truncate ? Math.floor(correction(betaFast)) : correction(betaFast), 0);
	let hi = Math.min(truncate ? Math.ceil(correction(betaSlow)) : correction(betaSlow), d - 1);
	if (lo === hi) hi += 0.001;
	const original = ropeInvFreq(d, base);
	const invFreq = original.map((theta, i) => {
		const gamma = 1 - Math.min(Math.max((i - lo) / (hi - lo), 0), 1);
		return (1 - gamma) * (theta / s) + gamma * theta;
	});
	return { invFreq, attentionFactor: attentionFactor ?? yarnMscale(s), lo, hi };
}

/**
 * Llama 3.1: wavelengths 2π/θ shorter than L0/high_freq_factor keep their frequency, longer
 * than L0/low_freq_factor are divided by s, and those between are blended by L0/λ.
 */
export function llama3InvFreq(d: number, base: number, s: number, L0: number, lowFreqFactor: number, highFreqFactor: number): Float64Array {
	return ropeInvFreq(d, base).map((theta) => {
		const wavelength = (2 * Math.PI) / theta;
		if (wavelength < L0 / highFreqFactor) return theta;
		if (wavelength > L0 / lowFreqFactor) return theta / s;
		const smooth = (L0 / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
		return (1 - smooth) * (theta / s) + smooth * theta;
	});
}

/** LongRoPE: θ_i = 1/(λ_i · b^(2i/d)), one searched factor λ_i per pair. */
export function longropeInvFreq(d: number, base: number, factors: readonly number[]): Float64Array {
	return ropeInvFreq(d, base).map((theta, i) => theta / factors[i]);
}

/** LongRoPE's default attention factor: sqrt(1 + ln s / ln L0), 1 when s ≤ 1. */
export function longropeAttentionFactor(s: number, L0: number): number {
	return s <= 1 ? 1 : Math.sqrt(1 + Math.log(s) / Math.log(L0));
}

/**
 * The frequencies of one forward pass whose positions reach `seqLen − 1` (transformers:
 * `max(position_ids) + 1`). Only two scalings read it: dynamic grows the base once the pass is
 * longer than L0, and longrope takes its long factors then. Without `seqLen`, the frequencies
 * before any pass (transformers' initial `inv_freq`).
 */
export function ropeFrequencies(d: number, base: number, scaling: RopeScaling | null, seqLen?: number): RopeFrequencies {
	const beyond = (L0: number) => seqLen !== undefined && seqLen > L0;
	switch (scaling?.type) {
		case undefined:
			return { invFreq: ropeInvFreq(d, base), attentionFactor: 1 };
		case 'linear':
			return { invFreq: linearInvFreq(d, base, scaling.factor), attentionFactor: 1 };
		case 'dynamic': {
			const grown = beyond(scaling.original) ? dynamicNtkBase(d, base, scaling.factor, seqLen!, scaling.original) : base;
			return { invFreq: ropeInvFreq(d, grown), attentionFactor: 1 };
		}
		case 'yarn': {
			const { factor, original, betaFast, betaSlow, attentionFactor, truncate } = scaling;
			return { invFreq: yarn(d, base, factor, original, betaFast, betaSlow, attentionFactor, truncate).invFreq, attentionFactor };
		}
		case 'llama3':
			return { invFreq: llama3InvFreq(d, base, scaling.factor, scaling.original, scaling.lowFreqFactor, scaling.highFreqFactor), attentionFactor: 1 };
		case 'longrope':
			return { invFreq: longropeInvFreq(d, base, beyond(scaling.original) ? scaling.longFactor : scaling.shortFactor), attentionFactor: scaling.attentionFactor };
	}
}
