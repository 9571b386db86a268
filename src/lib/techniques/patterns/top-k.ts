/**
 * Query-aware top-k: besides the first `init` and last `local` tokens, each query of each head
 * attends to the `k` middle keys with the highest q·k. TokenSelect selects the same way but
 * shares one selection across a layer's heads by soft voting; here each head selects its own.
 */
import { sinkAndWindowReads } from './shapes';
import { topK as highest } from '../ranking';
import type { AttentionPattern, PatternGrid } from '../types';
import type { ParamValues } from '../../params/param-spec';

export const topK: AttentionPattern = {
	id: 'top-k',
	name: 'Query-aware top-k (TokenSelect)',
	summary: 'Each query keeps the k keys it scores highest, plus the first and the most recent tokens.',
	paper: { title: 'TokenSelect: Efficient Long-Context Inference and Length Extrapolation for LLMs via Dynamic Token-Level KV Cache Selection', year: 2024, url: 'https://arxiv.org/abs/2411.02886' },
	params: {
		k: { kind: 'int', label: 'Selected keys', description: 'TokenSelect uses 2048.', min: 1, max: 131072, default: 32 },
		init: { kind: 'int', label: 'Initial tokens', description: 'TokenSelect uses 128.', min: 0, max: 4096, default: 4 },
		local: { kind: 'int', label: 'Recent tokens', description: 'TokenSelect uses 512.', min: 0, max: 131072, default: 16 }
	},
	perHead: true,
	logitRows: (_p, T) => T,
	decodeReads: (p, n) => Math.min(n, sinkAndWindowReads(p.init as number, p.local as number, n) + (p.k as number)),
	rule: (p, grid) => {
		const selected = selections(p, grid);
		return { sinks: p.init as number, window: p.local as number, rowSlots: (t) => selected[t] };
	},
	mask: (p, grid) => {
		const { queryPositions: q, keyPositions: k } = grid;
		const S = k.length;
		const mask = new Uint8Array(q.length * S);
		selections(p, grid).forEach((slots, t) => {
			// The first `init` and the last `local` tokens are always kept; the rest are chosen.
			for (let s = 0; s < S; s++) if (k[s] < (p.init as number) || q[t] - k[s] < (p.local as number)) mask[t * S + s] = 1;
			for (const s of slots) mask[t * S + s] = 1;
		});
		return mask;
	}
};

/** Each query row's `k` best-scoring middle keys (slots), beside the first and last tokens it always sees. */
function selections(p: ParamValues, grid: PatternGrid): number[][] {
	const { queryPositions: q, keyPositions: k } = grid;
	const S = k.length;
	const scores = grid.scores();
	return Array.from(q, (position, t) => {
		const eligible: number[] = [];
		for (let s = 0; s < S; s++) if (k[s] >= (p.init as number) && position - k[s] >= (p.local as number) && k[s] <= position) eligible.push(s);
		return highest(scores.subarray(t * S, (t + 1) * S), p.k as number, eligible);
	});
}
