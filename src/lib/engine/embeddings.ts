/**
 * The rows a call starts from: each token's embedding, scaled (Gemma), plus its position's
 * learned embedding (GPT-2), which exists only for positions the model was trained on.
 */
import type { ModelConfig } from './config';
import { EngineError } from './errors';
import type { ModelWeights } from './weights';

export function embedRows(config: ModelConfig, weights: Pick<ModelWeights, 'embed' | 'embedScale' | 'positions'>, ids: number[], positions: Int32Array): Float32Array {
	const { hiddenSize: D, vocabSize } = config;
	const x = new Float32Array(ids.length * D);
	ids.forEach((id, r) => {
		if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new EngineError(`Token id ${id} is outside the vocabulary (0–${vocabSize - 1}).`);
		const row = x.subarray(r * D, (r + 1) * D);
		row.set(weights.embed.subarray(id * D, (id + 1) * D));
		if (weights.embedScale !== 1) for (let c = 0; c < D; c++) row[c] *= weights.embedScale;
	});
	if (weights.positions) {
		const table = weights.positions;
		const count = table.length / D;
		positions.forEach((p, r) => {
			if (p >= count) throw new EngineError(`This model learned embeddings for positions 0–${count - 1} only (n_positions); position ${p} is past them. Use a context of at most ${count} tokens.`);
			for (let c = 0; c < D; c++) x[r * D + c] += table[p * D + c];
		});
	}
	return x;
}
