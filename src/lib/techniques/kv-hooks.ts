/**
 * Runs a KV policy inside the engine: gathers the attention statistics the policy scores with
 * (during `observe`), then compresses the cache per layer and KV head (during `evict`), keeping
 * the statistics aligned with the cache as entries leave it.
 */
import type { ModelConfig } from '../engine/config';
import { sameKeyPositions, type Hooks, type LayerContext } from '../engine/hooks';
import type { KvCache } from '../engine/kv-cache';
import type { ParamValues } from '../params/param-spec';
import { createRng, deriveSeed } from '../random';
import { adaptiveBudgets, budgetFor } from './kv/select';
import type { KvPolicy } from './types';

interface LayerStats {
	accumulated: Float64Array[];
	window: Float64Array[];
	lastRow: Float64Array[];
	custom: Float64Array[];
}

const grow = (a: Float64Array, n: number) => {
	if (a.length >= n) return a;
	const b = new Float64Array(n);
	b.set(a);
	return b;
};

export function policyHooks(policy: KvPolicy, params: ParamValues, config: ModelConfig, seed: number): Hooks {
	if (policy.keepsAll) return {};
	const decodeMask = policy.decodeMask;
	if (decodeMask) return { attentionMask: (ctx) => (ctx.phase === 'decode' ? decodeMask(params, ctx) : undefined) };
	const keep = policy.keep;
	if (!keep) return {};
	const { heads: H, kvHeads: Hkv } = config;
	const group = H / Hkv;
	const stats: LayerStats[] = Array.from({ length: config.layers }, () => ({
		accumulated: Array.from({ length: Hkv }, () => new Float64Array(0)),
		window: Array.from({ length: Hkv }, () => new Float64Array(0)),
		lastRow: Array.from({ length: Hkv }, () => new Float64Array(0)),
		custom: Array.from({ length: Hkv }, () => new Float64Array(0))
	}));
	let decodeSteps = 0;
	const windowSize = policy.windowOf?.(params) ?? 0;

	const observe = (ctx: LayerContext, probs: Float32Array) => {
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		const layer = stats[ctx.layer];
		// Lengths alone are not enough: heads that evicted different entries hold different keys per slot.
		const sameKeys = sameKeyPositions(ctx.keyPositions);
		// The observation window is the prompt's last rows, wherever the prefill's chunks cut it.
		const windowFrom = ctx.callPositions.length - windowSize - ctx.rowOffset;
		const prefill = ctx.phase === 'prefill';
		for (let kv = 0; kv < Hkv; kv++) {
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
					for (let s = 0; s < n; s++) {
						const p = probs[row + s];
						if (own) {
							accumulated[s] += p;
							if (inWindow) window[s] += p / group;
						}
						if (t === T - 1 && (own || sameKeys)) lastRow[s] += p / rowHeads;
					}
				}
			}
			if (prefill) layer.window[kv] = window;
			layer.lastRow[kv] = lastRow;
		}
	};

	const inputFor = (head: KvCache['layers'][number][number], layer: number, kv: number, budget: number, seen: number) => {
		const n = head.length;
		const layerStats = stats[layer];
		return {
			layer,
			layers: config.layers,
			kvHead: kv,
			n,
			budget,
			positions: head.positions.subarray(0, n),
			keys: head.keysRaw.subarray(0, n * config.headDim),
			headDim: config.headDim,
			accumulated: grow(layerStats.accumulated[kv], n),
			window: grow(layerStats.window[kv], n),
			lastRowLayer: grow(layerStats.lastRow[kv], n),
			custom: grow(layerStats.custom[kv], n),
			random: createRng(deriveSeed(seed, `${policy.id}/${layer}/${kv}/${seen}`)).next
		};
	};

	const apply = (cache: KvCache, layer: number, kv: number, kept: number[], budget: number) => {
		const n = cache.head(layer, kv).length;
		if (kept.length > budget) throw new Error(`${policy.name} kept ${kept.length} entries over a budget of ${budget}`);
		if (kept.length === n) return;
		cache.keep(layer, kv, kept);
		for (const key of ['accumulated', 'window', 'lastRow', 'custom'] as const) {
			const old = grow(stats[layer][key][kv], n);
			stats[layer][key][kv] = Float64Array.from(kept, (i) => old[i]);
		}
	};

	const adaptive = params.head_budgets === 'adaptive' && policy.scores;
	const compress = (cache: KvCache) => {
		cache.layers.forEach((heads, layer) => {
			const inputs = heads.map((head, kv) => {
				const n = head.length;
				const seen = n ? head.positions[n - 1] + 1 : 0;
				const uniform = policy.budget?.(params, n, seen) ?? budgetFor(params as { ratio: unknown; tokens: unknown }, seen);
				const budget = Math.max(0, Math.min(n, policy.layerBudget?.(params, n, uniform, layer, config.layers) ?? uniform));
				return inputFor(head, layer, kv, budget, seen);
			});
			if (adaptive) {
				// AdaKV: the layer's heads share one pool of heads × budget entries.
				const budget = Math.floor(inputs.reduce((sum, input) => sum + input.budget, 0) / inputs.length);
				const kept = adaptiveBudgets(inputs.map((input) => policy.scores!(params, input)), budget, params.alpha as number);
				kept.forEach((k, kv) => apply(cache, layer, kv, k, inputs.length * budget));
				return;
			}
			inputs.forEach((input, kv) => input.n && apply(cache, layer, kv, keep(params, input), input.budget));
		});
	};

	const scoreLogits = policy.scoreLogits;
	const logitHook: Hooks = scoreLogits
		? {
				attentionMask: (ctx) => {
					const T = ctx.queryPositions.length;
					const S = ctx.slots;
					const logits = ctx.scores();
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
					return undefined;
				}
			}
		: {};
	const every = params.every as number;
	return {
		...logitHook,
		...(policy.observes ? { observe, wantsProbabilities: () => true } : {}),
		evict: ({ phase, step, cache }) => {
			if (phase === 'decode') decodeSteps++;
			if (phase === 'prefill' || (every > 0 && step % every === 0)) compress(cache);
		}
	};
}
