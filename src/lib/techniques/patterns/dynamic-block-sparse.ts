/**
 * MInference's block-sparse pattern: queries and keys are mean-pooled in blocks, and each
 * query block keeps the key blocks with the highest pooled score q̄·k̄. Because the score is
 * bilinear, q̄·k̄ equals the mean of the block's q·k logits, which is how it is computed here.
 */
import { range, topK } from '../ranking';
import type { AttentionPattern, PatternGrid } from '../types';
import type { ParamValues } from '../../params/param-spec';
import { minference } from '../papers';

export const dynamicBlockSparse: AttentionPattern = {
	id: 'dynamic-block-sparse',
	name: 'Dynamic block-sparse (MInference)',
	summary: 'Per head, each block of queries attends to the key blocks whose pooled scores are highest; prefill only.',
	paper: minference,
	params: {
		block: { kind: 'int', label: 'Block size', unit: 'tokens', description: 'MInference uses 64.', min: 1, max: 1024, default: 32 },
		blocks: { kind: 'int', label: 'Key blocks per query block', description: 'MInference keeps 100.', min: 1, max: 4096, default: 4 }
	},
	perHead: true,
	logitRows: (_p, T) => T,
	chunkMultiple: (p) => p.block as number,
	phases: ['prefill'],
	// Decoding stays dense.
	decodeReads: (_p, n) => n,
	rule: (p, grid) => {
		const chosen = chosenBlocks(p, grid);
		return { blocks: { size: p.block as number, chosen: (queryBlock) => chosen.get(queryBlock) ?? [] } };
	},
	mask: (p, grid) => {
		const b = p.block as number;
		const S = grid.keyPositions.length;
		const chosen = chosenBlocks(p, grid);
		const mask = new Uint8Array(grid.queryPositions.length * S);
		grid.queryPositions.forEach((query, t) => {
			const blocks = new Set(chosen.get(Math.floor(query / b)));
			for (let s = 0; s < S; s++) if (blocks.has(Math.floor(grid.keyPositions[s] / b))) mask[t * S + s] = 1;
		});
		return mask;
	}
};

/** For each query block, the key blocks its mean logits rank highest among those it may see. */
function chosenBlocks(p: ParamValues, grid: PatternGrid): Map<number, number[]> {
	const b = p.block as number;
	const T = grid.queryPositions.length;
	const S = grid.keyPositions.length;
	const scores = grid.scores();
	const kBlock = Int32Array.from(grid.keyPositions, (position) => Math.floor(position / b));
	const keyBlocks = kBlock[S - 1] + 1;
	const sums = new Map<number, Float64Array>();
	const counts = new Map<number, Float64Array>();
	for (let t = 0; t < T; t++) {
		const qb = Math.floor(grid.queryPositions[t] / b);
		if (!sums.has(qb)) {
			sums.set(qb, new Float64Array(keyBlocks));
			counts.set(qb, new Float64Array(keyBlocks));
		}
		const sum = sums.get(qb)!;
		const count = counts.get(qb)!;
		for (let s = 0; s < S; s++) {
			sum[kBlock[s]] += scores[t * S + s];
			count[kBlock[s]]++;
		}
	}
	const chosen = new Map<number, number[]>();
	for (const [qb, sum] of sums) {
		const count = counts.get(qb)!;
		const mean = sum.map((value, kb) => value / (count[kb] || 1));
		// On a sliding layer, only the blocks every query of the block can see compete (the window
		// of its first query): a block wholly outside it would leave that query nothing.
		const firstVisible = grid.window === null ? 0 : Math.floor((qb * b + b - grid.window) / b);
		chosen.set(qb, topK(mean, p.blocks as number, range(0, keyBlocks).filter((kb) => kb <= qb && kb >= firstVisible && count[kb] > 0)));
	}
	return chosen;
}
