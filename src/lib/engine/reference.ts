/**
 * A plain TypeScript forward pass, written straight from the architecture's definition with no
 * cache, no chunks and no onnxruntime. It is the oracle the engine is tested against; the app
 * never uses it.
 */
import { blockSpec, type Activation, type NormKind } from './block';
import type { ModelConfig } from './config';
import { nativePlan } from './positions';
import { alibiSlopes } from './rope';
import type { ModelWeights } from './weights';

export interface ReferenceOptions {
	/** Position of each token; default 0, 1, 2, … */
	positions?: number[];
	/** Whether query head `head` of `layer` may attend from token i to token j (j ≤ i always). */
	allowed?: (layer: number, head: number, i: number, j: number) => boolean;
	/** Rotary positions [query, key] used for the pair (i, j) in `layer`; default the tokens' own positions. */
	pairPositions?: (i: number, j: number, layer: number) => [number, number];
	/**
	 * Rotary frequencies for every token and a factor on every logit, for every layer or each
	 * layer's own (a scheme composed with per-layer bases); default each layer's own
	 * (positions.ts: the config's base and rope scaling, its attention factor squared).
	 */
	invFreq?: Float64Array | ((layer: number) => Float64Array | undefined);
	logitScale?: number | ((layer: number) => number | undefined);
	/**
	 * The length of the forward pass that computed token i (default: one pass over all tokens,
	 * the largest position + 1). Under dynamic and longrope scaling it picks the frequencies of
	 * the token's query and key: transformers caches a key rotated as its own pass rotated it.
	 */
	passLength?: (i: number) => number;
	/** ALiBi slopes, one per query head (default: the paper's on a model trained with ALiBi, else none). */
	slopes?: ArrayLike<number>;
}

export interface ReferenceResult {
	/** [T, vocab] */
	logits: Float32Array;
	/** Per layer, [heads, T, T] attention probabilities. */
	probs: Float32Array[];
}

/** The block's norm over x: RMSNorm scaled by w or by 1 + w, or LayerNorm with its bias. */
export function normalise(kind: NormKind, x: Float64Array, weight: Float32Array, bias: Float32Array | null, eps: number): Float64Array {
	if (kind === 'layer') {
		const mean = x.reduce((a, b) => a + b, 0) / x.length;
		const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
		const inv = 1 / Math.sqrt(variance + eps);
		return x.map((value, i) => (value - mean) * inv * weight[i] + bias![i]);
	}
	let sum = 0;
	for (const value of x) sum += value * value;
	const inv = 1 / Math.sqrt(sum / x.length + eps);
	return x.map((value, i) => value * inv * (kind === 'rms-offset' ? 1 + weight[i] : weight[i]));
}

export const ACTIVATIONS: Record<Activation, (x: number) => number> = {
	silu: (x) => x / (1 + Math.exp(-x)),
	'gelu-tanh': (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))
};

const softcap = (x: number, cap: number | null) => (cap === null ? x : cap * Math.tanh(x / cap));

/** y = W x for W in [out, in] layout, plus an optional bias. */
function linear(w: Float32Array, x: Float64Array, out: number, bias: Float32Array | null = null): Float64Array {
	const n = x.length;
	const y = new Float64Array(out);
	for (let o = 0; o < out; o++) {
		let sum = bias ? bias[o] : 0;
		for (let i = 0; i < n; i++) sum += w[o * n + i] * x[i];
		y[o] = sum;
	}
	return y;
}

function rope(vec: Float64Array, offset: number, headDim: number, position: number, invFreq: Float64Array): number[] {
	const half = headDim / 2;
	const out: number[] = new Array(headDim);
	for (let i = 0; i < half; i++) {
		const a = position * invFreq[i];
		const x1 = vec[offset + i];
		const x2 = vec[offset + i + half];
		out[i] = x1 * Math.cos(a) - x2 * Math.sin(a);
		out[i + half] = x2 * Math.cos(a) + x1 * Math.sin(a);
	}
	return out;
}

export function referenceForward(config: ModelConfig, weights: ModelWeights, ids: number[], options: ReferenceOptions = {}): ReferenceResult {
	const { hiddenSize: d, heads, kvHeads, headDim, vocabSize, intermediateSize } = config;
	const T = ids.length;
	const positions = options.positions ?? ids.map((_, i) => i);
	const group = heads / kvHeads;
	const wholePass = Math.max(...positions) + 1;
	const passOf = options.passLength ?? (() => wholePass);
	const spec = blockSpec(config);
	const pairPositions = options.pairPositions ?? ((i: number, j: number): [number, number] => [positions[i], positions[j]]);
	const slopes = options.slopes ?? (config.positionEncoding === 'alibi' ? alibiSlopes(heads) : null);
	const norm = (x: Float64Array, weight: Float32Array, bias: Float32Array | null = null) => normalise(config.norm, x, weight, bias, config.normEps);
	const act = ACTIVATIONS[config.activation];
	/** Each head of a [heads · headDim] vector normalised on its own (q/k norms). */
	const headNorm = (x: Float64Array, n: number, weight: Float32Array | null) => {
		if (!weight) return x;
		const out = new Float64Array(x.length);
		for (let h = 0; h < n; h++) out.set(norm(x.subarray(h * headDim, (h + 1) * headDim), weight), h * headDim);
		return out;
	};

	let hidden = ids.map((id, i) => {
		const x = Float64Array.from(weights.embed.subarray(id * d, (id + 1) * d), (value) => value * weights.embedScale);
		// Learned absolute positions (GPT-2): the token's position picks a row of the table.
		if (weights.positions) for (let c = 0; c < d; c++) x[c] += weights.positions[positions[i] * d + c];
		return x;
	});
	const probs: Float32Array[] = [];

	weights.layers.forEach((w, layer) => {
			const { window } = spec.layers[layer];
			const plans = new Map<number, ReturnType<typeof nativePlan>>();
			const own = (token: number) => {
				const length = passOf(token);
				if (!plans.has(length)) plans.set(length, nativePlan(config, spec.layers[layer], length));
				return plans.get(length)!;
			};
			const given = typeof options.invFreq === 'function' ? options.invFreq(layer) : options.invFreq;
			const scale = typeof options.logitScale === 'function' ? options.logitScale(layer) : options.logitScale;
			const invFreq = (token: number) => (given ?? own(token).invFreq)!;
			// q·k / √(query_pre_attn_scalar, head_dim unless set), and / (layer + 1) where GPT-2 asks.
			const divisor = Math.sqrt(config.queryPreAttnScalar) * (config.scoreByLayer ? layer + 1 : 1);
			const normed = hidden.map((x) => norm(x, w.inputNorm, w.inputNormBias));
			const q = normed.map((x) => headNorm(linear(w.q, x, heads * headDim, w.qBias), heads, w.qNorm));
			const k = normed.map((x) => headNorm(linear(w.k, x, kvHeads * headDim, w.kBias), kvHeads, w.kNorm));
			const v = normed.map((x) => linear(w.v, x, kvHeads * headDim, w.vBias));
			const layerProbs = new Float32Array(heads * T * T);
			const attnOut = hidden.map(() => new Float64Array(heads * headDim));
			const rotary = config.positionEncoding === 'rope';
			const rotations = { q: new Map<number, { position: number; vector: number[] }>(), k: new Map<number, { position: number; vector: number[] }>() };
			/** Head `head` of row `row` of q or k, rotated to `position`; each row's last rotation is kept, as most pairs repeat it. */
			const headVector = (which: 'q' | 'k', head: number, row: number, position: number): ArrayLike<number> => {
				const source = which === 'q' ? q : k;
				if (!rotary) return source[row].subarray(head * headDim, (head + 1) * headDim);
				const key = row * heads + head;
				const kept = rotations[which].get(key);
				if (kept?.position === position) return kept.vector;
				const vector = rope(source[row], head * headDim, headDim, position, invFreq(row));
				rotations[which].set(key, { position, vector });
				return vector;
			};
			for (let h = 0; h < heads; h++) {
				const kvh = Math.floor(h / group);
				for (let i = 0; i < T; i++) {
					const scores: number[] = [];
					for (let j = 0; j <= i; j++) {
						// transformers' sliding window: i − window < j ≤ i.
						const outside = window !== null && positions[j] <= positions[i] - window;
						if (outside || (options.allowed && !options.allowed(layer, h, i, j))) {
							scores.push(-Infinity);
							continue;
						}
						const [qPos, kPos] = pairPositions(i, j, layer);
						const qi = headVector('q', h, i, qPos);
						const kj = headVector('k', kvh, j, kPos);
						let dot = 0;
						for (let c = 0; c < headDim; c++) dot += qi[c] * kj[c];
						let score = softcap((dot / divisor) * (scale ?? own(i).logitScale ?? 1), config.attnSoftcap);
						if (slopes) score -= slopes[h] * (positions[i] - positions[j]);
						scores.push(score);
					}
					const max = Math.max(...scores);
					const exps = scores.map((s) => (s === -Infinity ? 0 : Math.exp(s - max)));
					const total = exps.reduce((a, b) => a + b, 0);
					for (let j = 0; j <= i; j++) {
						const p = exps[j] / total;
						layerProbs[(h * T + i) * T + j] = p;
						for (let c = 0; c < headDim; c++) attnOut[i][h * headDim + c] += p * v[j][kvh * headDim + c];
					}
				}
			}
			probs.push(layerProbs);
			hidden = hidden.map((x, i) => {
				const o = linear(w.o, attnOut[i], d, w.oBias);
				const attended = w.attnOutNorm ? norm(o, w.attnOutNorm) : o;
				const h1 = x.map((value, c) => value + attended[c]);
				const n = norm(h1, w.postNorm, w.postNormBias);
				const up = linear(w.up, n, intermediateSize, w.upBias);
				const inner = w.gate ? linear(w.gate, n, intermediateSize, w.gateBias).map((g, c) => act(g) * up[c]) : up.map(act);
				const m = linear(w.down, inner, d, w.downBias);
				const out = w.mlpOutNorm ? norm(m, w.mlpOutNorm) : m;
				return h1.map((value, c) => value + out[c]);
			});
		});

	const logits = new Float32Array(T * vocabSize);
	hidden.forEach((x, i) => {
		const n = norm(x, weights.norm, weights.normBias);
		logits.set(linear(weights.lmHead, n, vocabSize).map((l) => softcap(l, config.finalSoftcap)), i * vocabSize);
	});
	return { logits, probs };
}
