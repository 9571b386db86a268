/**
 * The rows a call starts from: each token's embedding, scaled (Gemma), plus its position's
 * learned embedding (GPT-2), which exists only for positions the model was trained on. The tables
 * stay in the checkpoint's dtype and a row becomes f32 when a call reads it: a bf16 vocabulary of
 * 150 000 tokens takes half the memory an f32 copy would.
 */
import type { ModelConfig } from './config';
import { decodeInto, type Dtype } from './dtypes';
import { EngineError } from './errors';

/** A table [rows, width] of raw values in `dtype`. */
export class RowTable {
	constructor(
		private readonly bytes: Uint8Array,
		private readonly dtype: Dtype,
		readonly rows: number,
		readonly width: number
	) {}

	/** Row `i` as f32, written into `out` (width values). */
	read(i: number, out: Float32Array): Float32Array {
		return decodeInto(this.bytes, this.dtype, i * this.width, out);
	}
}

export interface Embeddings {
	tokens: RowTable;
	/** What token embeddings are multiplied by, rounded to their dtype as the model computes it. */
	scale: number;
	/** Learned absolute position embeddings [max positions, hidden] (GPT-2). */
	positions: RowTable | null;
}

export function embedRows(config: ModelConfig, embeddings: Embeddings, ids: number[], positions: Int32Array): Float32Array {
	const { hiddenSize: D, vocabSize } = config;
	const x = new Float32Array(ids.length * D);
	ids.forEach((id, r) => {
		if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new EngineError(`Token id ${id} is outside the vocabulary (0–${vocabSize - 1}).`);
		const row = embeddings.tokens.read(id, x.subarray(r * D, (r + 1) * D));
		if (embeddings.scale !== 1) for (let c = 0; c < D; c++) row[c] *= embeddings.scale;
	});
	const table = embeddings.positions;
	if (table) {
		const row = new Float32Array(D);
		positions.forEach((p, r) => {
			if (p >= table.rows) throw new EngineError(`This model learned embeddings for positions 0–${table.rows - 1} only (n_positions); position ${p} is past them. Use a context of at most ${table.rows} tokens.`);
			table.read(p, row);
			for (let c = 0; c < D; c++) x[r * D + c] += row[c];
		});
	}
	return x;
}
