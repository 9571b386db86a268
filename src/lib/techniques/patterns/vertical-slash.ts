/**
 * MInference's vertical-slash pattern, as `vertical_and_slash_kernel` builds it: the last
 * `last_q` queries estimate which key columns ("verticals") and which diagonals ("slashes")
 * carry attention; every query then sees the union of the top columns and top diagonals.
 * The kernel always keeps the first 30 columns and the 100 most local diagonals, and never
 * fewer than 30 columns and 50 diagonals.
 */
import { causalSoftmax } from './shapes';
import { range, topK } from '../ranking';
import type { AttentionPattern, PatternGrid } from '../types';
import type { ParamValues } from '../../params/param-spec';
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
	logitRows: (p, T) => Math.min(p.last_q as number, T),
	// Decoding stays dense.
	decodeReads: (_p, n) => n,
	rule: (p, grid) => {
		const { columns, deltas } = estimate(p, grid);
		return { verticals: columns.map((s) => grid.keyPositions[s]), slashes: deltas };
	},
	mask: (p, grid) => {
		const T = grid.queryPositions.length;
		const S = grid.keyPositions.length;
		const { columns, deltas } = estimate(p, grid);
		const first = grid.keyPositions.reduce((a, b) => Math.min(a, b));
		const slotOf = new Int32Array(grid.keyPositions.reduce((a, b) => Math.max(a, b)) - first + 1).fill(-1);
		grid.keyPositions.forEach((position, s) => (slotOf[position - first] = s));
		const mask = new Uint8Array(T * S);
		for (let t = 0; t < T; t++) {
			for (const s of columns) mask[t * S + s] = 1;
			const query = grid.queryPositions[t];
			// Each row is the kept columns plus, for each kept diagonal, the one key at that distance.
			for (const delta of deltas) {
				const at = query - delta - first;
				if (at >= 0 && at < slotOf.length && slotOf[at] >= 0) mask[t * S + slotOf[at]] = 1;
			}
		}
		return mask;
	}
};


/** The kept key columns (slots) and diagonals (distances), as the last queries estimate them. */
function estimate(p: ParamValues, grid: PatternGrid): { columns: number[]; deltas: number[] } {
	const T = grid.queryPositions.length;
	const S = grid.keyPositions.length;
	const last = Math.min(p.last_q as number, T);
	// Only the estimating rows' logits: the rest of the [T, S] block is never read.
	const estimating = { ...grid, queryPositions: grid.queryPositions.subarray(T - last) };
	const probs = causalSoftmax(grid.scoreRows(T - last, T), estimating);
	const columns = new Float64Array(S);
	const maxDelta = grid.queryPositions[T - 1] - grid.keyPositions[0];
	const diagonalScore = new Float64Array(Math.max(0, maxDelta) + 1);
	for (let t = 0; t < last; t++) {
		const query = estimating.queryPositions[t];
		for (let s = 0; s < S; s++) {
			const value = probs[t * S + s];
			if (grid.keyPositions[s] > query) continue;
			columns[s] += value;
			const delta = query - grid.keyPositions[s];
			diagonalScore[delta] += value;
		}
	}
	for (let s = 0; s < Math.min(FORCED_COLUMNS, S); s++) columns[s] = Infinity;
	const diagonals = diagonalScore.map((score, delta) => (delta < FORCED_DIAGONALS ? Infinity : score));
	return {
		columns: topK(columns, Math.min(S, Math.max(p.vertical as number, MIN_COLUMNS)), range(0, S)),
		deltas: topK(diagonals, Math.min(diagonals.length, Math.max(p.slash as number, MIN_DIAGONALS)), range(0, diagonals.length))
	};
}
