/**
 * Random attention calls for checking the kernels against the TypeScript reference: sizes that
 * are not multiples of a tile, GQA groups, chunks in the middle of a sequence, caches with keys
 * evicted, sliding layers, soft-caps and ALiBi, and each registry pattern with random parameters.
 * Every case carries the pattern's own dense masks (`AttentionPattern.mask`), the reference.
 */
import { attentionScores } from '../src/lib/engine/bias';
import { parseConfig } from '../src/lib/engine/config';
import { defaultValues, type ParamValues } from '../src/lib/params/param-spec';
import { createRng, deriveSeed, type Rng } from '../src/lib/random';
import type { PatternRule } from '../src/lib/engine/pattern-rule';
import { attentionPatterns } from '../src/lib/techniques/registry';
import type { AttentionPattern, PatternGrid } from '../src/lib/techniques/types';
import type { AttentionCall } from './call';

export interface KernelCase extends AttentionCall {
	name: string;
	/** The pattern's own mask of each query head [T, S] (padding slots 0), before causality. */
	masks: Uint8Array[];
}

const LAYERS = 3;

/** A model config with just the attention shape of a kernel call (what patterns and policies read). */
export const kernelConfig = (heads: number, kvHeads: number, headDim: number, layers: number, positionEncoding: 'alibi' | 'none' = 'none') =>
	parseConfig({ hidden_size: heads * headDim, head_dim: headDim, num_attention_heads: heads, num_key_value_heads: kvHeads, num_hidden_layers: layers, intermediate_size: 4, vocab_size: 8, position_encoding: positionEncoding });

/** Standard normal draws (Box–Muller) from the seeded generator. */
const normals = (rng: Rng, n: number, scale = 1) =>
	Float32Array.from({ length: n }, () => scale * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));

/** Random parameter values inside each spec's range, kept small enough to matter on a few hundred keys. */
function randomParams(pattern: AttentionPattern, rng: Rng, kvHeads: number): ParamValues {
	return Object.fromEntries<ParamValues[string]>(
		Object.entries(pattern.params).map(([name, spec]) => {
			if (spec.kind === 'int') return [name, rng.int(spec.min, Math.max(spec.min, Math.min(spec.max, 2 * spec.default, 160)))];
			if (spec.kind === 'int-list') return [name, rng.next() < 0.5 ? [rng.int(0, LAYERS - 1)] : []];
			if (spec.kind === 'text') return [name, rng.next() < 0.3 ? '' : `${rng.int(0, LAYERS - 1)}.${rng.int(0, kvHeads - 1)}`];
			return [name, spec.default];
		})
	);
}

/** One random attention call under `pattern` (the seed fixes everything). */
export function patternCase(pattern: AttentionPattern, seed: number): KernelCase {
	const rng = createRng(deriveSeed(seed, pattern.id));
	const kvHeads = rng.pick([1, 2, 3]);
	const heads = kvHeads * rng.pick([1, 2]);
	const headDim = rng.pick([1, 5, 16, 33, 64, 80]);
	const layer = rng.int(0, LAYERS - 1);
	const decode = rng.next() < 0.25;
	const length = rng.int(1, 260);
	const T = decode ? 1 : rng.int(1, length);
	// The chunk ends at `length`; the cache holds every earlier position, some evicted when decoding.
	const queryPositions = Int32Array.from({ length: T }, (_, t) => length - T + t);
	const keyPositions = Array.from({ length: kvHeads }, () => {
		const kept = Array.from({ length }, (_, p) => p).filter((p) => p >= length - T || !decode || rng.next() < 0.7);
		return Int32Array.from(kept);
	});
	const S = Math.max(...keyPositions.map((k) => k.length));
	const layerWindow = rng.next() < 0.2 ? rng.int(1, 200) : null;
	const softcap = rng.next() < 0.2 ? 2 + 10 * rng.next() : null;
	const slopes = rng.next() < 0.2 ? Float32Array.from({ length: heads }, (_, h) => 2 ** (-(h + 1) / 2)) : null;
	const q = normals(rng, heads * T * headDim, 1 / Math.sqrt(Math.max(1, headDim / 4)));
	const k = normals(rng, kvHeads * S * headDim);
	const v = normals(rng, kvHeads * S * headDim);
	const config = kernelConfig(heads, kvHeads, headDim, LAYERS, slopes ? 'alibi' : 'none');
	let params = randomParams(pattern, rng, kvHeads);
	if (pattern.refuse?.(params, config)) params = defaultValues(pattern.params);
	const logits = softcapped(attentionScores(q, k, heads, kvHeads, T, S, headDim), softcap);
	const grids = Array.from({ length: heads }, (_, head): PatternGrid => {
		const keys = keyPositions[Math.floor(head / (heads / kvHeads))];
		const rows = (from: number, to: number) => {
			const out = new Float32Array((to - from) * keys.length);
			for (let t = from; t < to; t++) out.set(logits.subarray((head * T + t) * S, (head * T + t) * S + keys.length), (t - from) * keys.length);
			return out;
		};
		return { layer, head, config, phase: decode ? 'decode' : 'prefill', queryPositions, keyPositions: keys, scores: () => rows(0, T), scoreRows: rows, window: layerWindow };
	});
	const rules: PatternRule[] = grids.map((grid) => pattern.rule(params, grid));
	const masks = grids.map((grid) => padded(pattern.mask(params, grid), T, grid.keyPositions.length, S));
	const name = `${pattern.id} ${JSON.stringify(params)} H${heads}/${kvHeads} d${headDim} T${T} S${S}${decode ? ' decode' : ''}${layerWindow ? ` layer-window ${layerWindow}` : ''}${softcap ? ' softcap' : ''}${slopes ? ' alibi' : ''}`;
	return { name, heads, kvHeads, headDim, queryPositions, keyPositions, S, q, k, v, rules, layerWindow, softcap, slopes, masks };
}

/** `count` cases for every pattern in the registry. */
export function registryCases(seed: number, count: number): KernelCase[] {
	return attentionPatterns.flatMap((pattern) => Array.from({ length: count }, (_, n) => patternCase(pattern, seed + n)));
}

function softcapped(scores: Float32Array, cap: number | null): Float32Array {
	return cap === null ? scores : scores.map((x) => cap * Math.tanh(x / cap));
}

function padded(mask: Uint8Array, T: number, n: number, S: number): Uint8Array {
	if (n === S) return mask;
	const out = new Uint8Array(T * S);
	for (let t = 0; t < T; t++) out.set(mask.subarray(t * n, (t + 1) * n), t * S);
	return out;
}
