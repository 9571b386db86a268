/**
 * Runs a KV policy inside the engine: gathers the attention statistics the policy scores with
 * (during `observe`), then compresses the cache per layer and KV head (during `evict`), keeping
 * the statistics aligned with the cache as entries leave it.
 */
import type { ModelConfig } from '../engine/config';
import type { Hooks, LayerContext } from '../engine/hooks';
import type { KvCache } from '../engine/kv-cache';
import type { ParamValues } from '../experiment/param-spec';
import { createRng, deriveSeed } from '../random';
import { budgetFor } from './kv/select';
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
	if (policy.id === 'full') return {};
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
	const noise = createRng(deriveSeed(seed, `${policy.id}/noise`));
	const windowSize = policy.windowOf?.(params) ?? 0;

	const observe = (ctx: LayerContext, probs: Float32Array) => {
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		const layer = stats[ctx.layer];
		const sameKeys = ctx.keyPositions.every((p) => p.length === ctx.keyPositions[0].length);
		for (let kv = 0; kv < Hkv; kv++) {
			const n = ctx.keyPositions[kv].length;
			const accumulated = (layer.accumulated[kv] = grow(layer.accumulated[kv], n));
			const window = new Float64Array(n);
			const lastRow = new Float64Array(n);
			const rowHeads = sameKeys ? H : group;
			for (let h = 0; h < H; h++) {
				const own = Math.floor(h / group) === kv;
				for (let t = 0; t < T; t++) {
					const row = (h * T + t) * S;
					const inWindow = ctx.phase === 'prefill' && t >= T - windowSize;
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
			if (ctx.phase === 'prefill') layer.window[kv] = window;
			layer.lastRow[kv] = lastRow;
		}
	};

	const compress = (cache: KvCache) => {
		cache.layers.forEach((heads, layer) => {
			heads.forEach((head, kv) => {
				const n = head.length;
				if (n === 0) return;
				const seen = head.positions[n - 1] + 1;
				const uniform = policy.budget?.(params, n, seen) ?? budgetFor(params as { ratio: unknown; tokens: unknown }, seen);
				const budget = Math.max(0, Math.min(n, policy.layerBudget?.(params, n, uniform, layer, config.layers) ?? uniform));
				const layerStats = stats[layer];
				const rng = createRng(deriveSeed(seed, `${policy.id}/${layer}/${kv}/${seen}`));
				const kept = keep(params, {
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
					random: rng.next
				});
				if (kept.length > budget) throw new Error(`${policy.name} kept ${kept.length} entries over a budget of ${budget}`);
				if (kept.length === n) return;
				cache.keep(layer, kv, kept);
				for (const key of ['accumulated', 'window', 'lastRow', 'custom'] as const) {
					const old = grow(layerStats[key][kv], n);
					layerStats[key][kv] = Float64Array.from(kept, (i) => old[i]);
				}
			});
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
					for (let h = 0; h < H; h++) {
						const kv = Math.floor(h / group);
						const n = ctx.keyPositions[kv].length;
						const custom = (layer.custom[kv] = grow(layer.custom[kv], n));
						for (let t = 0; t < T; t++) {
							// Only causal entries: a query never scores the keys after it.
							const visible = ctx.keyPositions[kv].findIndex((p) => p > ctx.queryPositions[t]);
							const row = logits.subarray((h * T + t) * S, (h * T + t) * S + (visible < 0 ? n : visible));
							scoreLogits(params, row, decodeSteps, noise.next).forEach((v, s) => (custom[s] += v));
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
