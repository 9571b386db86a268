/** A row-major [rows, cols] matrix as [cols, rows]: Linear's [out, in] ⇄ MatMul's and Conv1D's [in, out]. */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
	const out = new Float32Array(w.length);
	for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
	return out;
}
