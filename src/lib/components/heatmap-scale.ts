/**
 * The heatmap's and head grid's colours: viridis (perceptually uniform, readable with the common
 * colour-vision deficiencies and in greyscale), on a log or linear scale of probability.
 */
import type { HeatmapScale } from '$lib/experiment/views';

/** Viridis sampled at 17 even steps (d3-scale-chromatic's ramp), interpolated between. */
const VIRIDIS = ['#440154', '#48186a', '#472d7b', '#424086', '#3b528b', '#33638d', '#2c728e', '#26828e', '#21918c', '#1fa088', '#28ae80', '#3fbc73', '#5ec962', '#84d44b', '#addc30', '#d8e219', '#fde725'].map(
	(hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))
);

/** The colour at t ∈ [0, 1] (clamped), as [r, g, b]. */
export function viridis(t: number): [number, number, number] {
	const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
	const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
	const f = x - i;
	const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
	return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

export const rgb = ([r, g, b]: [number, number, number]) => `rgb(${r}, ${g}, ${b})`;

/** Text that stays legible on the colour at t: viridis turns light past its middle. */
export const inkOn = (t: number) => (t > 0.55 ? 'black' : 'white');

/** The log scale's floor: probabilities at or under 10⁻⁴ take the darkest colour. */
const LOG_DECADES = 4;

/** Where probability p falls on the scale, 0 … 1. Both scales span fixed domains, so two maps coloured alike compare directly. */
export function intensity(p: number, scale: HeatmapScale): number {
	if (!(p > 0)) return 0;
	return scale === 'linear' ? Math.min(1, p) : Math.min(1, Math.max(0, 1 + Math.log10(p) / LOG_DECADES));
}

/** The colour bar's labelled values and where they sit along it (0 … 1). */
export function scaleTicks(scale: HeatmapScale): { label: string; at: number }[] {
	if (scale === 'linear') return [0, 0.25, 0.5, 0.75, 1].map((v) => ({ label: String(v), at: v }));
	return Array.from({ length: LOG_DECADES + 1 }, (_, i) => ({ label: i === LOG_DECADES ? '1' : `10${superscript(i - LOG_DECADES)}`, at: i / LOG_DECADES }));
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };
const superscript = (n: number) => [...String(n)].map((c) => SUPERSCRIPT[c]).join('');

/** A CSS gradient along the whole palette, for colour bars. */
export const paletteGradient = (direction = 'to right') => `linear-gradient(${direction}, ${VIRIDIS.map((c, i) => `${rgb(c as [number, number, number])} ${((i / (VIRIDIS.length - 1)) * 100).toFixed(1)}%`).join(', ')})`;
