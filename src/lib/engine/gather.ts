/**
 * Attention over only the key slots some query may read. A masked slot adds exp(−∞) = 0 to every
 * softmax sum and nothing to the output, so leaving it out changes no result, and a sparse
 * pattern then costs in proportion to the keys it keeps instead of every slot of the cache.
 */

/** The slots worth reading, or null when so many are used that gathering would not pay. */
export function slotsToRead(used: Uint8Array, worthBelow: number): Int32Array | null {
	let count = 0;
	for (const flag of used) count += flag;
	if (count > worthBelow * used.length) return null;
	const slots = new Int32Array(count);
	for (let s = 0, n = 0; s < used.length; s++) if (used[s]) slots[n++] = s;
	return slots;
}

/** Rows of `width` entries, each cut down to the chosen slots: [rows, S] → [rows, slots.length]. */
export function gatherColumns<A extends Float32Array | Uint8Array>(data: A, rows: number, S: number, slots: Int32Array): A {
	const n = slots.length;
	const out = new (data.constructor as new (length: number) => A)(rows * n);
	for (let r = 0; r < rows; r++) {
		const from = r * S;
		const to = r * n;
		for (let i = 0; i < n; i++) out[to + i] = data[from + slots[i]];
	}
	return out;
}

/** Vectors [heads, S, d] cut down to the chosen slots: [heads, slots.length, d]. */
export function gatherSlots(data: Float32Array, heads: number, S: number, d: number, slots: Int32Array): Float32Array {
	const n = slots.length;
	const out = new Float32Array(heads * n * d);
	for (let h = 0; h < heads; h++) {
		for (let i = 0; i < n; i++) out.set(data.subarray((h * S + slots[i]) * d, (h * S + slots[i] + 1) * d), (h * n + i) * d);
	}
	return out;
}

/** Probabilities over the gathered slots back on every slot, 0 where a slot was left out: [rows, n] → [rows, S]. */
export function scatterColumns(data: Float32Array, rows: number, S: number, slots: Int32Array): Float32Array {
	const n = slots.length;
	const out = new Float32Array(rows * S);
	for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) out[r * S + slots[i]] = data[r * n + i];
	return out;
}
