/**
 * Quest: query-aware page selection at decode time. Keys are grouped in pages; each page keeps
 * per-channel max and min, giving an upper bound U = Σ_c max(q_c·max_c, q_c·min_c) on q·k;
 * each head reads only its top pages. Nothing is evicted: resident memory stays, bytes read
 * shrink. The first two layers stay dense, as in the reference.
 */
import type { ParamValues } from '../../params/param-spec';
import type { KvPolicy } from '../types';
import { range, topK } from '../ranking';

export const quest: KvPolicy = {
	id: 'quest',
	name: 'Quest (page selection)',
	summary: 'At each step, every head reads only the key pages whose bound on q·k is highest; the cache itself stays whole.',
	paper: { title: 'Quest: Query-Aware Sparsity for Efficient Long-Context LLM Inference', year: 2024, url: 'https://arxiv.org/abs/2406.10774' },
	needs: [],
	params: {
		budget: { kind: 'int', label: 'Token budget', unit: 'tokens', description: 'Quest passkey default: 1024.', min: 1, max: 1048576, default: 64 },
		page: { kind: 'int', label: 'Page size', unit: 'tokens', description: 'Quest: 16.', min: 1, max: 1024, default: 16 },
		dense_layers: { kind: 'int', label: 'Dense first layers', description: 'Quest keeps the first 2 layers dense.', min: 0, max: 512, default: 2 }
	},
	decodeMask: (p, ctx) => {
		if (ctx.layer < (p.dense_layers as number)) return undefined;
		const { heads: H, kvHeads: Hkv, headDim: d } = ctx.config;
		const group = H / Hkv;
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		const page = p.page as number;
		const { queries, keys } = ctx.vectors();
		const mask = new Uint8Array(H * T * S);
		for (let h = 0; h < H; h++) {
			const kv = Math.floor(h / group);
			const n = ctx.keyPositions[kv].length;
			const pages = Math.ceil(n / page);
			const chosenPages = pagesRead(p, pages);
			for (let t = 0; t < T; t++) {
				const bounds = Float64Array.from({ length: pages }, (_, g) => {
					let bound = 0;
					for (let c = 0; c < d; c++) {
						let max = -Infinity;
						let min = Infinity;
						for (let s = g * page; s < Math.min(n, (g + 1) * page); s++) {
							const value = keys[(kv * S + s) * d + c];
							max = Math.max(max, value);
							min = Math.min(min, value);
						}
						const q = queries[(h * T + t) * d + c];
						bound += Math.max(q * max, q * min);
					}
					return bound;
				});
				for (const g of topK(bounds, chosenPages, range(0, pages))) {
					for (let s = g * page; s < Math.min(n, (g + 1) * page); s++) mask[(h * T + t) * S + s] = 1;
				}
			}
		}
		return { mask, perHead: true };
	},
	decodeSelection: (p, ctx) => (ctx.layer < (p.dense_layers as number) ? undefined : { kind: 'quest', page: p.page as number, pagesRead: pagesRead(p, Infinity) }),
	// Each head reads its chosen pages; a partial last page counts whole, so reads are an upper bound.
	footprint: (p, n, config) => {
		const page = p.page as number;
		const pages = Math.ceil(n / page);
		const selective = Math.min(n, pagesRead(p, pages) * page);
		const dense = Math.min(p.dense_layers as number, config.layers);
		return { resident: n, read: (dense * n + (config.layers - dense) * selective) / config.layers };
	}
};

/** Pages each head reads: the budget's worth, at least 3 (Quest's floor), at most all. */
function pagesRead(p: ParamValues, pages: number): number {
	return Math.min(Math.max(3, Math.floor((p.budget as number) / (p.page as number))), pages);
}
