/**
 * Rotary position embedding in Hugging Face's rotate-half layout: a head vector [x1 | x2] is
 * rotated pairwise (x1[i], x2[i]) by angle p·θ_i, θ_i = base^(−2i/d). (Meta's original Llama
 * rotates interleaved pairs; HF checkpoints are permuted to this layout.)
 */

export function ropeInvFreq(headDim: number, base: number): Float64Array {
	const half = headDim / 2;
	return Float64Array.from({ length: half }, (_, i) => base ** ((-2 * i) / headDim));
}

/**
 * Rotates `rows` vectors of `headDim` floats each, row r at `positions[r]`, in place.
 * `src` and `dst` may be the same array.
 */
export function rotate(
	src: Float32Array,
	dst: Float32Array,
	rows: number,
	headDim: number,
	positionOfRow: (row: number) => number,
	invFreq: Float64Array
): void {
	const half = headDim / 2;
	for (let r = 0; r < rows; r++) {
		const p = positionOfRow(r);
		const base = r * headDim;
		for (let i = 0; i < half; i++) {
			const angle = p * invFreq[i];
			const cos = Math.cos(angle);
			const sin = Math.sin(angle);
			const x1 = src[base + i];
			const x2 = src[base + i + half];
			dst[base + i] = x1 * cos - x2 * sin;
			dst[base + i + half] = x2 * cos + x1 * sin;
		}
	}
}

/** ALiBi head slopes (Press et al., `get_slopes` of the reference implementation). */
export function alibiSlopes(heads: number): number[] {
	const powerOfTwo = (n: number) => {
		const start = 2 ** -(2 ** -(Math.log2(n) - 3));
		return Array.from({ length: n }, (_, i) => start * start ** i);
	};
	if (Number.isInteger(Math.log2(heads))) return powerOfTwo(heads);
	const closest = 2 ** Math.floor(Math.log2(heads));
	return [...powerOfTwo(closest), ...powerOfTwo(2 * closest).filter((_, i) => i % 2 === 0).slice(0, heads - closest)];
}
