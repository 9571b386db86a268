/** Rows of a call between layers: hidden states [rows, D] and each row's original position. */
export interface Rows {
	x: Float32Array;
	positions: Int32Array;
}

/** The rows at `kept` (indices into `rows`), in that order. */
export function pickRows(rows: Rows, kept: number[]): Rows {
	const D = rows.x.length / rows.positions.length;
	const x = new Float32Array(kept.length * D);
	kept.forEach((r, n) => x.set(rows.x.subarray(r * D, (r + 1) * D), n * D));
	return { x, positions: Int32Array.from(kept, (r) => rows.positions[r]) };
}
