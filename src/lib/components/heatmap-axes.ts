/**
 * Token labels along a zoomed heatmap's axes: shown once the map is at full resolution and
 * zoomed in far enough that at least every fourth position can be labelled legibly.
 */

/** Pixels a label needs across its axis (10 px text). */
export const LABEL_GAP_PX = 11;
/** Room for labels beside and under the map: ten 10 px monospace characters. */
export const AXIS_PX = 70;
const MAX_STEP = 4;
const LABEL_CHARS = 10;

/** The positions [from, to) to label on an axis `pixels` long, or [] where they would be too dense. */
export function axisTicks(from: number, to: number, pixels: number): number[] {
	const count = to - from;
	// Before the plot is measured (or where it is narrower than the labels) there is no axis.
	if (count <= 0 || pixels <= 0) return [];
	const step = Math.ceil((LABEL_GAP_PX * count) / pixels);
	if (step > MAX_STEP) return [];
	const ticks: number[] = [];
	// Multiples of the step, so panning keeps the same positions labelled.
	for (let p = Math.ceil(from / step) * step; p < to; p += step) ticks.push(p);
	return ticks;
}

/** A label short enough for an axis (special tokens can be long). */
export function axisLabel(label: string): string {
	const chars = [...label];
	return chars.length <= LABEL_CHARS ? label : `${chars.slice(0, LABEL_CHARS - 1).join('')}…`;
}
