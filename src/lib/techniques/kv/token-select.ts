/**
 * TokenSelect: at each decode step, every head votes for the middle tokens (neither among the
 * first `init` nor the last `local`) with a softmax of its raw q·k over them; the votes are
 * summed over the layer's heads and the top `k` tokens join the first and last ones. Nothing is
 * evicted: the step reads only the selection. As in the released code, the logits are not
 * scaled by 1/√d and there is no selection cache; unlike it, prefill stays dense here (as Quest).
 */
import { sameKeyPositions } from '../../engine/hooks';
import { sinkAndWindow, sinkAndWindowReads } from '../patterns/shapes';
import { range, topK } from '../ranking';
import type { KvPolicy } from '../types';

export const tokenSelect: KvPolicy = {
	id: 'token-select',
	name: 'TokenSelect (soft voting)',
	summary: 'At each step, all heads vote for the middle tokens they score highest; every head then reads the winners plus the first and last tokens.',
	paper: { title: 'TokenSelect: Efficient Long-Context Inference and Length Extrapolation for LLMs via Dynamic Token-Level KV Cache Selection', year: 2024, url: 'https://arxiv.org/abs/2411.02886' },
	needs: [],
	params: {
		k: { kind: 'int', label: 'Selected tokens', description: 'TokenSelect: 2048.', min: 1, max: 131072, default: 32 },
		init: { kind: 'int', label: 'Initial tokens', description: 'TokenSelect: 128.', min: 0, max: 4096, default: 4 },
		local: { kind: 'int', label: 'Recent tokens', description: 'TokenSelect: 512.', min: 0, max: 131072, default: 16 }
	},
	decodeMask: (p, ctx) => {
		const { heads: H, kvHeads: Hkv, headDim: d } = ctx.config;
		const group = H / Hkv;
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		const fixed = sinkAndWindow(p.init as number, p.local as number);
		const logits = ctx.scores();
		const mask = new Uint8Array(H * T * S);
		for (let t = 0; t < T; t++) {
			const query = ctx.queryPositions[t];
			const middle = (kv: number) => range(0, ctx.keyPositions[kv].length).filter((s) => ctx.keyPositions[kv][s] <= query && !fixed(query, ctx.keyPositions[kv][s]));
			const votes = new Map<number, number>();
			for (let h = 0; h < H; h++) {
				const keys = ctx.keyPositions[Math.floor(h / group)];
				const candidates = middle(Math.floor(h / group));
				// The engine's logits carry 1/√d; TokenSelect votes with raw q·k.
				const raw = candidates.map((s) => logits[(h * T + t) * S + s] * Math.sqrt(d));
				const max = Math.max(...raw);
				const exp = raw.map((z) => Math.exp(z - max));
				const total = exp.reduce((a, b) => a + b, 0);
				candidates.forEach((s, i) => votes.set(keys[s], (votes.get(keys[s]) ?? 0) + exp[i] / total));
			}
			for (let kv = 0; kv < Hkv; kv++) {
				const keys = ctx.keyPositions[kv];
				const candidates = middle(kv);
				const chosen = new Set(topK(Float64Array.from(keys, (position) => votes.get(position) ?? 0), p.k as number, candidates));
				for (let h = kv * group; h < (kv + 1) * group; h++) {
					for (let s = 0; s < keys.length; s++) if (chosen.has(s) || fixed(query, keys[s])) mask[(h * T + t) * S + s] = 1;
				}
			}
		}
		// Heads holding the same keys vote for the same selection: one row set serves them all.
		return sameKeyPositions(ctx.keyPositions) ? { mask: mask.slice(0, T * S), perHead: false } : { mask, perHead: true };
	},
	decodeSelection: (p) => ({ kind: 'token-select', k: p.k as number, init: p.init as number, local: p.local as number }),
	footprint: (p, n) => ({ resident: n, read: Math.min(n, sinkAndWindowReads(p.init as number, p.local as number, n) + (p.k as number)) })
};
