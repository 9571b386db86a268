/**
 * The one runtime behind every KV scorer (kvpress's `ScorerPress`): gathers the statistics a
 * policy declared (during `observe`), and when the policy compresses, asks each KV head's
 * budget, scores its entries, keeps the top ones (or lets the policy's `allocate` split the
 * layer's budget), and keeps the statistics aligned with the cache as entries leave it.
 */
import { blockSpec } from '../engine/block';
import type { ModelConfig } from '../engine/config';
import { sameKeyPositions, type Hooks, type LayerContext } from '../engine/hooks';
import type { KvCache } from '../engine/kv-cache';
import type { ParamValues } from '../params/param-spec';
import { createRng, deriveSeed } from '../random';
import { budgetFor } from './kv/select';
import { range, topK } from './ranking';
import type { BudgetInput, KvFootprint, KvPolicy, KvStatistic, ScoreInput } from './types';

type Statistic = KvStatistic | 'custom';
const STATISTICS: readonly Statistic[] = ['accumulated', 'window', 'lastRowLayer', 'custom'];
type LayerStats = Record<Statistic, Float64Array[]>;

const grow = (a: Float64Array, n: number) => {
	if (a.length >= n) return a;
	const b = new Float64Array(n);
	b.set(a);
	return b;
};

/** Entries one KV head may keep, before it is held to what it holds. */
function headBudget(policy: KvPolicy, params: ParamValues, at: BudgetInput): number {
	return Math.max(0, policy.budget?.(params, at) ?? budgetFor(params, at.seen));
}

/**
 * Resident and read tokens per layer and KV head at context n, on average, when layer ℓ's cache
 * held `held[ℓ]` of the n tokens before compression (fewer where a pruner dropped tokens): the
 * policy's budgets after compressing, or what a selection policy says it reads. A sliding layer
 * holds the last window − 1 tokens before any policy compresses, and its step reads those and
 * its own token; where a pruner dropped tokens inside the window, it holds fewer than this says.
 */
export function kvFootprint(policy: KvPolicy, params: ParamValues, config: ModelConfig, n: number, held: number[] = Array(config.layers).fill(n)): KvFootprint {
	const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
	const windows = blockSpec(config).layers.map((layer) => layer.window);
	const within = (less: number) =>
		held.map((h, layer) => {
			const window = windows[layer];
			return window === null ? h : Math.min(h, window - less);
		});
	const reads = within(0);
	const kept = within(1);
	const all = mean(kept);
	if (policy.keepsAll || !(policy.score || policy.footprint)) return { resident: all, read: mean(reads) };
	if (policy.footprint) return { resident: all, read: Math.min(mean(reads), policy.footprint(params, n, config).read) };
	const budgeted = kept.flatMap((h, layer) =>
		Array.from({ length: config.kvHeads }, (_, kvHead) => Math.min(h, headBudget(policy, params, { n: h, seen: n, layer, layers: config.layers, kvHead })))
	);
	const resident = mean(budgeted);
	return { resident, read: resident };
}

/**
 * The entries (ascending) each KV head of one layer keeps: the policy's own split of the
 * layer's budgets (which may exceed what a head holds: AdaKV hands the excess to other heads),
 * or each head's top `budget` scores.
 */
export function keptEntries(policy: KvPolicy, params: ParamValues, inputs: ScoreInput[], budgets = inputs.map((input) => input.budget)): number[][] {
	const scores = inputs.map((input) => policy.score!(params, input));
	const kept = policy.allocate?.(params, scores, budgets) ?? scores.map((s, kv) => topK(s, budgets[kv], range(0, s.length)));
	const total = budgets.reduce((sum, b) => sum + b, 0);
	if (kept.reduce((sum, k) => sum + k.length, 0) > total) throw new Error(`${policy.name} kept more entries than the layer's budget of ${total}`);
	return kept;
}

export function policyHooks(policy: KvPolicy, params: ParamValues, config: ModelConfig, seed: number): Hooks {
	if (policy.keepsAll) return {};
	const decodeMask = policy.decodeMask;
	if (decodeMask) {
		const { decodeSelection } = policy;
		return {
			attentionMask: (ctx) => (ctx.phase === 'decode' ? decodeMask(params, ctx) : undefined),
			...(decodeSelection && { attentionSelection: (ctx) => (ctx.phase === 'decode' ? decodeSelection(params, ctx) : undefined) })
		};
	}
	if (!policy.score) return {};
	const { heads: H, kvHeads: Hkv } = config;
	const group = H / Hkv;
	const stats: LayerStats[] = Array.from({ length: config.layers }, () => ({
		accumulated: Array.from({ length: Hkv }, () => new Float64Array(0)),
		window: Array.from({ length: Hkv }, () => new Float64Array(0)),
		lastRowLayer: Array.from({ length: Hkv }, () => new Float64Array(0)),
		custom: Array.from({ length: Hkv }, () => new Float64Array(0))
	}));
	// The positions each head's statistics describe, slot by slot: entries others drop (a sliding
	// layer's old keys, another evicting party) leave with their statistics, and revived ones join.
	const described = Array.from({ length: config.layers }, () => Array.from({ length: Hkv }, () => new Int32Array(0)));
	const align = (layer: number, kv: number, positions: Int32Array) => {
		const old = described[layer][kv];
		const appended = old.length <= positions.length && old.every((p, i) => positions[i] === p);
		if (!appended) {
			const slot = new Map(Array.from(old, (p, i) => [p, i]));
			for (const key of STATISTICS) {
				const values = stats[layer][key][kv];
				stats[layer][key][kv] = Float64Array.from(positions, (p) => values[slot.get(p) ?? values.length] ?? 0);
			}
		}
		described[layer][kv] = positions.slice();
	};
	const needs = new Set<Statistic>(policy.needs);
	let decodeSteps = 0;
	const windowSize = policy.windowOf?.(params) ?? 0;

	const observe = (ctx: LayerContext, probs: Float32Array) => {
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		const layer = stats[ctx.layer];
		// Lengths alone are not enough: heads that evicted different entries hold different keys per slot.
		const sameKeys = sameKeyPositions(ctx.keyPositions);
		// The observation window is the prompt's last rows, wherever the prefill's chunks cut it.
		const windowFrom = needs.has('window') ? ctx.callPositions.length - windowSize - ctx.rowOffset : Infinity;
		const prefill = ctx.phase === 'prefill';
		const lastRows = needs.has('lastRowLayer');
		const sums = needs.has('accumulated');
		for (let kv = 0; kv < Hkv; kv++) {
			align(ctx.layer, kv, ctx.keyPositions[kv]);
			const n = ctx.keyPositions[kv].length;
			const accumulated = (layer.accumulated[kv] = grow(layer.accumulated[kv], n));
			const window = prefill && ctx.rowOffset > 0 ? grow(layer.window[kv], n) : new Float64Array(n);
			const lastRow = new Float64Array(n);
			const rowHeads = sameKeys ? H : group;
			for (let h = 0; h < H; h++) {
				const own = Math.floor(h / group) === kv;
				for (let t = 0; t < T; t++) {
					const row = (h * T + t) * S;
					const inWindow = prefill && t >= windowFrom;
					// Only the rows a declared statistic reads: SnapKV's window, not the whole prompt.
					const ownRow = own && (sums || inWindow);
					const lastRowOfHead = lastRows && t === T - 1 && (own || sameKeys);
					if (!ownRow && !lastRowOfHead) continue;
					for (let s = 0; s < n; s++) {
						const p = probs[row + s];
						if (ownRow) {
							if (sums) accumulated[s] += p;
							if (inWindow) window[s] += p / group;
						}
						if (lastRowOfHead) lastRow[s] += p / rowHeads;
					}
				}
			}
			if (prefill) layer.window[kv] = window;
			layer.lastRowLayer[kv] = lastRow;
		}
	};

	/** The statistics a policy declared; reading one it did not declare is a bug in the policy. */
	const statistic = (name: Statistic, layer: number, kv: number, n: number) => {
		if (name !== 'custom' && !needs.has(name)) throw new Error(`${policy.name} reads the "${name}" statistic without declaring it in needs`);
		return grow(stats[layer][name][kv], n);
	};

	const inputFor = (head: KvCache['layers'][number][number], layer: number, kv: number, seen: number, budget: number): ScoreInput => {
		const n = head.length;
		return {
			layer,
			layers: config.layers,
			kvHead: kv,
			n,
			budget: Math.min(n, budget),
			positions: head.positions.subarray(0, n),
			keys: head.keysRaw.subarray(0, n * config.headDim),
			headDim: config.headDim,
			get accumulated() {
				return statistic('accumulated', layer, kv, n);
			},
			get window() {
				return statistic('window', layer, kv, n);
			},
			get lastRowLayer() {
				return statistic('lastRowLayer', layer, kv, n);
			},
			get custom() {
				return statistic('custom', layer, kv, n);
			},
			random: createRng(deriveSeed(seed, `${policy.id}/${layer}/${kv}/${seen}`)).next
		};
	};

	const apply = (cache: KvCache, layer: number, kv: number, kept: number[]) => {
		const n = cache.head(layer, kv).length;
		if (kept.length === n) return;
		cache.keep(layer, kv, kept);
		for (const key of STATISTICS) {
			const old = grow(stats[layer][key][kv], n);
			stats[layer][key][kv] = Float64Array.from(kept, (i) => old[i]);
		}
		described[layer][kv] = cache.head(layer, kv).positions.slice(0, kept.length);
	};

	const compress = (cache: KvCache) => {
		cache.layers.forEach((heads, layer) => {
			const budgets: number[] = [];
			const inputs = heads.map((head, kv) => {
				const n = head.length;
				align(layer, kv, head.positions.subarray(0, n));
				const seen = n ? head.positions[n - 1] + 1 : 0;
				budgets.push(headBudget(policy, params, { n, seen, layer, layers: config.layers, kvHead: kv }));
				return inputFor(head, layer, kv, seen, budgets[kv]);
			});
			keptEntries(policy, params, inputs, budgets).forEach((kept, kv) => apply(cache, layer, kv, kept));
		});
	};

	const scoreLogits = policy.scoreLogits;
	const logitHook: Hooks = scoreLogits
		? {
				observeScores: (ctx) => {
					const T = ctx.queryPositions.length;
					const S = ctx.slots;
					const logits = ctx.scores();
					for (let kv = 0; kv < Hkv; kv++) align(ctx.layer, kv, ctx.keyPositions[kv]);
					const layer = stats[ctx.layer];
					for (let t = 0; t < T; t++) {
						// Each query row draws its own noise, so how the prompt was chunked does not change the draws.
						const noise = createRng(deriveSeed(seed, `${policy.id}/noise/${ctx.layer}/${ctx.queryPositions[t]}`)).next;
						for (let h = 0; h < H; h++) {
							const kv = Math.floor(h / group);
							const n = ctx.keyPositions[kv].length;
							const custom = (layer.custom[kv] = grow(layer.custom[kv], n));
							// Only causal entries: a query never scores the keys after it.
							const visible = ctx.keyPositions[kv].findIndex((p) => p > ctx.queryPositions[t]);
							const row = logits.subarray((h * T + t) * S, (h * T + t) * S + (visible < 0 ? n : visible));
							scoreLogits(params, row, decodeSteps, noise).forEach((v, s) => (custom[s] += v));
						}
					}
				}
			}
		: {};
	return {
		...logitHook,
		...(needs.size > 0 ? { observe, wantsProbabilities: () => true } : {}),
		evict: ({ phase, step, cache }) => {
			if (phase === 'decode') decodeSteps++;
			if (phase === 'prefill' || policy.compressesAt?.(params, step)) compress(cache);
		}
	};
}
