import { describe, expect, it } from 'vitest';
import { parseConfig } from '$lib/engine/config';
import type { LayerContext } from '$lib/engine/hooks';
import { rotate } from '$lib/engine/rope';
import { createRng } from '$lib/random';
import { ropeInvFreq } from '$lib/engine/rope';
import { dynamicNtkBase, linearInvFreq, ntkBase, yarn } from '$lib/engine/rope-scaling';
import { remapPosition } from '$lib/techniques/positions/remap';
import { positionSchemes } from '$lib/techniques/registry';
import { fixtureModel } from '../fixtures/fixture-model';

const scheme = (id: string) => positionSchemes.find((s) => s.id === id)!;
const rope = parseConfig(fixtureModel().config);
const alibiModel = parseConfig(fixtureModel({ positionEncoding: 'alibi' }).config);
const noneModel = parseConfig(fixtureModel({ positionEncoding: 'none' }).config);

// Llama-2 geometry: head_dim 128, base 10 000, trained length 4 096.
const d = 128;
const b = 10000;

describe('RoPE scaling formulas (Hugging Face modeling_rope_utils)', () => {
	it('Position Interpolation divides every frequency by s', () => {
		// θ_1 = 10000^(−2/128) = 10^(−0.0625) = 0.8659643233600653; ÷ 4 = 0.2164910808400163.
		expect(linearInvFreq(d, b, 4)[1]).toBeCloseTo(0.2164910808400163, 12);
		expect(linearInvFreq(d, b, 4)[0]).toBe(0.25);
	});

	it('NTK-aware: b′ = b·α^(d/(d−2)), α = 8 → ≈ 82 685', () => {
		// Python: 1e4 * 8 ** (128 / 126) = 82684.62264056221
		expect(ntkBase(d, b, 8)).toBeCloseTo(82684.62264056221, 6);
	});

	it('dynamic NTK: s = 2, L0 = 4096, length 8192 → b·3^(128/126) ≈ 30 528; unchanged inside L0', () => {
		// (2·8192/4096 − 1) = 3; Python: 1e4 * 3 ** (128 / 126) = 30527.7367488067
		expect(dynamicNtkBase(d, b, 2, 8192, 4096)).toBeCloseTo(30527.7367488067, 6);
		expect(dynamicNtkBase(d, b, 2, 1000, 4096)).toBe(b);
	});

	it('YaRN ramps pairs 20…46 and scales attention by 0.1·ln s + 1', () => {
		// c(r) = d·ln(L0/(2πr))/(2 ln b): c(32) = 20.94 → lo 20; c(1) = 45.03 → hi 46.
		const four = yarn(d, b, 4, 4096, 32, 1);
		expect([four.lo, four.hi]).toEqual([20, 46]);
		const theta = ropeInvFreq(d, b);
		expect(four.invFreq[0]).toBe(1); // extrapolated: unchanged
		expect(four.invFreq[63]).toBeCloseTo(theta[63] / 4, 15); // fully interpolated
		// Pair 33: γ = 1 − (33 − 20)/(46 − 20) = 0.5, θ_33 = 10^(−2.0625) = 0.008659643233600654
		// → θ·(0.5/4 + 0.5) = 0.005412277021000409.
		expect(four.invFreq[33]).toBeCloseTo(0.005412277021000409, 15);
		const factors = [2, 4, 8, 16, 32].map((s) => yarn(d, b, s, 4096, 32, 1).attentionFactor);
		[1.06931, 1.13863, 1.20794, 1.27726, 1.34657].forEach((expected, i) => expect(factors[i]).toBeCloseTo(expected, 5));
		// Logit multipliers from definitions.md: ×1.14343 (s = 2), ×1.81326 (s = 32).
		expect(factors[0] ** 2).toBeCloseTo(1.14343, 5);
		expect(factors[4] ** 2).toBeCloseTo(1.81326, 5);
		expect(yarn(d, b, 4, 4096, 32, 1, 1.5).attentionFactor).toBe(1.5);
	});

	it('the YaRN scheme hands the engine its frequencies and the squared attention factor', () => {
		const plan = scheme('yarn').plan({ factor: 4, original: 0, beta_fast: 32, beta_slow: 1, attention_factor: 0 }, rope, { layer: 0 } as LayerContext)!;
		expect(plan.logitScale).toBeCloseTo((0.1 * Math.log(4) + 1) ** 2, 12);
		expect(plan.invFreq).toEqual(yarn(rope.headDim, rope.ropeTheta, 4, rope.maxPositions, 32, 1).invFreq);
	});
});

describe('ALiBi', () => {
	it("contributes the paper's geometric slopes as the plan's distance penalty: 2^(−8h/n) for n heads", () => {
		const slopes = (heads: number) => Array.from(scheme('alibi').plan({}, { ...alibiModel, heads }, {} as LayerContext)!.slopes!);
		expect(slopes(8)).toEqual([1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64, 1 / 128, 1 / 256]);
		expect(slopes(4)).toEqual([1 / 4, 1 / 16, 1 / 64, 1 / 256]);
		expect(scheme('alibi').plan({}, alibiModel, {} as LayerContext)).toEqual({ slopes: Float32Array.from(slopes(4)) });
	});
});

describe('relative positions', () => {
	it('plain RoPE: q·k depends only on the distance', () => {
		const rng = createRng(1);
		const q = Float32Array.from({ length: 64 }, () => rng.next() - 0.5);
		const k = Float32Array.from({ length: 64 }, () => rng.next() - 0.5);
		const invFreq = ropeInvFreq(64, b);
		const dotAt = (m: number, n: number) => {
			const qr = new Float32Array(64);
			const kr = new Float32Array(64);
			rotate(q, qr, 1, 64, () => m, invFreq);
			rotate(k, kr, 1, 64, () => n, invFreq);
			return qr.reduce((sum, x, i) => sum + x * kr[i], 0);
		};
		for (const shift of [1, 17, 1000]) expect(dotAt(30 + shift, 12 + shift)).toBeCloseTo(dotAt(30, 12), 4);
		expect(Math.abs(dotAt(30, 12) - dotAt(30, 13))).toBeGreaterThan(1e-3);
	});

	/** Effective distance the scheme gives (query i, key j): near → i − j, far → the far positions. */
	function effective(id: string, params: Record<string, number>, i: number, j: number): number {
		const ctx = { queryPositions: Int32Array.of(i), keyPositions: [Int32Array.of(j)] } as unknown as LayerContext;
		const plan = scheme(id).plan(params, rope, ctx)!;
		const far = plan.far!;
		return i - j < far.fromDistance ? i - j : far.query![0] - far.keys!(0, Int32Array.of(j))[0];
	}

	it.each([
		// SelfExtend, G = 4, W = 8: far distance = ⌊i/4⌋ − ⌊j/4⌋ + (8 − 8/4), worked by hand.
		[20, 3, 11],
		[20, 12, 8],
		[20, 13, 7],
		[31, 0, 13],
		[9, 1, 8],
		[40, 9, 14]
	])('SelfExtend (G 4, W 8): query %i, key %i → distance %i', (i, j, distance) => {
		expect(effective('self-extend', { group: 4, window: 8 }, i, j)).toBe(distance);
	});

	it.each([
		[30, 5, 10],
		[12, 5, 7],
		[10, 0, 10],
		[9, 0, 9]
	])('distance cap 10: query %i, key %i → distance %i', (i, j, distance) => {
		expect(effective('distance-cap', { cap: 10 }, i, j)).toBe(distance);
	});

	it('a variable step compresses a span and shifts what follows', () => {
		const p = { start: 4, length: 4, step: 0.5 };
		expect([0, 3, 4, 5, 7, 8, 10].map((x) => remapPosition(p, x))).toEqual([0, 3, 4, 4.5, 5.5, 6, 8]);
		expect(remapPosition({ ...p, step: 0 }, 6)).toBe(4); // one shared id over the span
	});
});

describe('schemes that cannot apply are refused', () => {
	it.each([
		['alibi', rope, /ALiBi only applies to models trained with it/],
		['yarn', alibiModel, /YaRN rescales rotary positions, but this model uses ALiBi/],
		['self-extend', noneModel, /no position encoding/],
		['nope', alibiModel, /trained with ALiBi/]
	] as const)('%s', (id, config, message) => {
		const params = Object.fromEntries(Object.entries(scheme(id).params).map(([k, s]) => [k, s.default]));
		expect(scheme(id).refuse(params as never, config)).toMatch(message);
	});

	it('accepts what fits', () => {
		expect(scheme('alibi').refuse({}, alibiModel)).toBeNull();
		expect(scheme('nope').refuse({}, noneModel)).toBeNull();
		expect(scheme('yarn').refuse({ beta_fast: 32, beta_slow: 1 }, rope)).toBeNull();
		expect(scheme('yarn').refuse({ beta_fast: 1, beta_slow: 32 }, rope)).toMatch(/β slow below β fast/);
	});
});
