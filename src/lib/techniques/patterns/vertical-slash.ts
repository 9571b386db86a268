/**
 * MInference's vertical-slash pattern, as `vertical_and_slash_kernel` builds it: the last
 * `last_q` queries estimate which key columns ("verticals") and which diagonals ("slashes")
 * carry attention; every query then sees the union of the top columns and top diagonals.
 * The kernel always keeps the first 30 columns and the 100 most local diagonals, and never
 * fewer than 30 columns and 50 diagonals.
 */
import { causalSoftmax, maskOf } from './shapes';
import { range, topK } from '../ranking';
import type { AttentionPattern } from '../types';
import { minference } from '../papers';

const FORCED_COLUMNS = 30;
const FORCED_DIAGONALS = 100;
const MIN_COLUMNS = 30;
const MIN_DIAGONALS = 50;

export const verticalSlash: AttentionPattern = {
	id: 'vertical-slash',
	name: 'Vertical-slash (MInference)',
	summary: 'Per head, the last queries pick the key columns and diagonals that matter; prefill attends only there. Decoding stays dense.',
	paper: minference,
	params: {
		vertical: { kind: 'int', label: 'Vertical budget', unit: 'columns', description: 'MInference\'s shipped default is 1000.', min: 1, max: 131072, default: 64 },
		slash: { kind: 'int', label: 'Slash budget', unit: 'diagonals', description: 'MInference\'s shipped default is 6096.', min: 1, max: 131072, default: 128 },
		last_q: { kind: 'int', label: 'Estimating queries', description: 'How many final queries estimate the pattern (64 in MInference).', min: 1, max: 1024, default: 64 }
	},
	perHead: true,
	phases: ['prefill'],
	// Decoding stays dense.
	decodeReads: (_p, n) => n,
	mask: (p, grid) => {
		const T = grid.queryPositions.length;
		const S = grid.keyPositions.length;
		const last = Math.min(p.last_q as number, T);
		const probs = causalSoftmax(grid.scores(), grid);
		const columns = new Float64Array(S);
		const diagonalScore = new Map<number, number>();
		for (let t = T - last; t < T; t++) {
			for (let s = 0; s < S; s++) {
				const value = probs[t * S + s];
				if (grid.keyPositions[s] > grid.queryPositions[t]) continue;
				columns[s] += value;
				const delta = grid.queryPositions[t] - grid.keyPositions[s];
				diagonalScore.set(delta, (diagonalScore.get(delta) ?? 0) + value);
			}
		}
		for (let s = 0; s < Math.min(FORCED_COLUMNS, S); s++) columns[s] = Infinity;
		const keptColumns = new Set(topK(columns, Math.min(S, Math.max(p.vertical as number, MIN_COLUMNS)), range(0, S)).map((s) => grid.keyPositions[s]));

		const maxDelta = grid.queryPositions[T - 1] - grid.keyPositions[0];
		const diagonals = Float64Array.from({ length: Math.max(0, maxDelta) + 1 }, (_, delta) => (delta < FORCED_DIAGONALS ? Infinity : diagonalScore.get(delta) ?? 0));
		const keptDiagonals = new Set(topK(diagonals, Math.min(diagonals.length, Math.max(p.slash as number, MIN_DIAGONALS)), range(0, diagonals.length)));
		return maskOf(grid, (i, j) => keptColumns.has(j) || keptDiagonals.has(i - j));
	}
};
