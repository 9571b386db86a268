/**
 * A plain TypeScript forward pass, written straight from the architecture's definition with no
 * cache, no chunks and no onnxruntime. It is the oracle the engine is tested against; the app
 * never uses it.
 */
import { blockSpec } from './block';
import type { ModelConfig } from './config';
import { nativePlan } from './positions';
import { alibiSlopes } from './rope';
import type { ModelWeights } from './weights';

export interface ReferenceOptions {
	/** Position of each token; default 0, 1, 2, … */
	positions?: number[];
	/** Whether query head `head` of `layer` may attend from token i to token j (j ≤ i always). */
	allowed?: (layer: number, head: number, i: number, j: number) => boolean;
	/** Rotary positions [query, key] used for the pair (i, j); default the tokens' own positions. */
	pairPositions?: (i: number, j: number) => [number, number];
	/**
	 * Rotary frequencies for every token and a factor on every logit; default each layer's own
	 * (positions.ts: the config's base and rope scaling, its attention factor squared).
	 */
	invFreq?: Float64Array;
	logitScale?: number;
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

function rmsNorm(x: Float64Array, weight: Float32Array, eps: number): Float64Array {
	let sum = 0;
	for (const value of x) sum += value * value;
	const inv = 1 / Math.sqrt(sum / x.length + eps);
	return x.map((value, i) => value * inv * weight[i]);
}

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
	const pairPositions = options.pairPositions ?? ((i: number, j: number) => [positions[i], positions[j]]);
	const slopes = options.slopes ?? (config.positionEncoding === 'alibi' ? alibiSlopes(heads) : null);

	let hidden = ids.map((id) => Float64Array.from(weights.embed.subarray(id * d, (id + 1) * d)));
	const probs: Float32Array[] = [];

	const { layers: specs } = blockSpec(config);
	weights.layers.forEach((w, layer) => {
			const { window } = specs[layer];
			const plans = new Map<number, ReturnType<typeof nativePlan>>();
			const own = (token: number) => {
				const length = passOf(token);
				if (!plans.has(length)) plans.set(length, nativePlan(config, specs[layer], length));
				return plans.get(length)!;
			};
			const invFreq = (token: number) => (options.invFreq ?? own(token).invFreq)!;
			const normed = hidden.map((x) => rmsNorm(x, w.inputNorm, config.rmsNormEps));
			const q = normed.map((x) => linear(w.q, x, heads * headDim, w.qBias));
			const k = normed.map((x) => linear(w.k, x, kvHeads * headDim, w.kBias));
			const v = normed.map((x) => linear(w.v, x, kvHeads * headDim, w.vBias));
			const layerProbs = new Float32Array(heads * T * T);
			const attnOut = hidden.map(() => new Float64Array(heads * headDim));
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
						const [qPos, kPos] = pairPositions(i, j);
						const rotary = config.positionEncoding === 'rope';
						const qi = rotary ? rope(q[i], h * headDim, headDim, qPos, invFreq(i)) : Array.from(q[i].subarray(h * headDim, (h + 1) * headDim));
						const kj = rotary ? rope(k[j], kvh * headDim, headDim, kPos, invFreq(j)) : Array.from(k[j].subarray(kvh * headDim, (kvh + 1) * headDim));
						let dot = 0;
						for (let c = 0; c < headDim; c++) dot += qi[c] * kj[c];
						let score = (dot / Math.sqrt(headDim)) * (options.logitScale ?? own(i).logitScale ?? 1);
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
				const h1 = x.map((value, c) => value + o[c]);
				const n = rmsNorm(h1, w.postNorm, config.rmsNormEps);
				const gate = linear(w.gate, n, intermediateSize, w.gateBias);
				const up = linear(w.up, n, intermediateSize, w.upBias);
				const act = gate.map((g, c) => (g / (1 + Math.exp(-g))) * up[c]);
				const down = linear(w.down, act, d, w.downBias);
				return h1.map((value, c) => value + down[c]);
			});
		});

	const logits = new Float32Array(T * vocabSize);
	hidden.forEach((x, i) => {
		const n = rmsNorm(x, weights.norm, config.rmsNormEps);
		logits.set(linear(weights.lmHead, n, vocabSize), i * vocabSize);
	});
	return { logits, probs };
}
