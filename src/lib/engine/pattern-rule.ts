/**
 * An attention pattern as the kernels evaluate it: per query head, a union of a few shapes read
 * from positions, so no [T, S] mask is built or uploaded. A key at position j is visible to a
 * query at position i when j ≤ i (and i − j < the layer's own window, if any) and any part says so.
 * `visibleByRule` is the definition; the kernels (kernels/tables.ts) evaluate the same union.
 */

export interface PatternRule {
	/** Keys at positions below this (attention sinks, global tokens). */
	sinks?: number;
	/** Keys with i − j < window (a recent window; Infinity: every earlier key). */
	window?: number;
	/** Keys in the query's block or the `blocks − 1` blocks before it, blocks of `size` positions. */
	blockWindow?: { size: number; blocks: number };
	/** Keys whose distance i − j is a multiple of `period` and below `reach` (dilated and strided heads). */
	period?: { every: number; reach: number };
	/** Key positions every query sees (vertical lines). */
	verticals?: ArrayLike<number>;
	/** Distances i − j every query sees (slash lines). */
	slashes?: ArrayLike<number>;
	/** Chosen (query block, key block) pairs, blocks of `size` positions: `chosen(qb)` lists qb's key blocks. */
	blocks?: { size: number; chosen: (queryBlock: number) => ArrayLike<number> };
	/** Key slots each query row sees, listed per row (query-aware selections such as top-k). */
	rowSlots?: (row: number) => ArrayLike<number>;
}

const includes = (list: ArrayLike<number> | undefined, value: number) => {
	if (!list) return false;
	for (let n = 0; n < list.length; n++) if (list[n] === value) return true;
	return false;
};

/** Whether the query at row `row` (position i) sees the key in slot `slot` (position j), causality and the layer's window included. */
export function visibleByRule(rule: PatternRule, i: number, j: number, row: number, slot: number, layerWindow: number | null = null): boolean {
	const distance = i - j;
	if (distance < 0 || (layerWindow !== null && distance >= layerWindow)) return false;
	if (j < (rule.sinks ?? 0) || distance < (rule.window ?? 0)) return true;
	const bw = rule.blockWindow;
	if (bw && Math.floor(i / bw.size) - Math.floor(j / bw.size) < bw.blocks) return true;
	if (rule.period && distance % rule.period.every === 0 && distance < rule.period.reach) return true;
	if (includes(rule.verticals, j) || includes(rule.slashes, distance)) return true;
	if (rule.blocks && includes(rule.blocks.chosen(Math.floor(i / rule.blocks.size)), Math.floor(j / rule.blocks.size))) return true;
	return !!rule.rowSlots && includes(rule.rowSlots(row), slot);
}

/** The rule as a dense 1/0 mask [T, S] (tests and the WASM path's view of the same pattern). */
export function ruleMask(rule: PatternRule, queryPositions: ArrayLike<number>, keyPositions: ArrayLike<number>, layerWindow: number | null = null): Uint8Array {
	const T = queryPositions.length;
	const S = keyPositions.length;
	const mask = new Uint8Array(T * S);
	for (let t = 0; t < T; t++) {
		for (let s = 0; s < S; s++) if (visibleByRule(rule, queryPositions[t], keyPositions[s], t, s, layerWindow)) mask[t * S + s] = 1;
	}
	return mask;
}
