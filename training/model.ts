/**
 * The lab model in TensorFlow.js: a Llama-style decoder (RMSNorm, SwiGLU, grouped-query
 * attention, tied embeddings) whose weights carry Hugging Face names and layouts, so export is a
 * plain copy into safetensors. Positions: RoPE in the rotate-half layout, ALiBi, or none (NoPE).
 */
import type { GradSaveFunc, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import { alibiSlopes } from '../src/lib/engine/rope';
import { createRng } from '../src/lib/random';
import { tf } from './tf';

export interface ModelShape {
	layers: number;
	hidden: number;
	heads: number;
	kvHeads: number;
	intermediate: number;
	vocab: number;
	ropeTheta: number;
	rmsNormEps: number;
	/** Default 'rope'. */
	positionEncoding?: PositionEncoding;
}

export type PositionEncoding = 'rope' | 'alibi' | 'none';

export type Params = Map<string, Variable>;

/** HF tensor names and shapes for a model of this shape. */
export function tensorShapes(s: ModelShape): [string, number[]][] {
	const hd = s.hidden / s.heads;
	const shapes: [string, number[]][] = [['model.embed_tokens.weight', [s.vocab, s.hidden]]];
	for (let l = 0; l < s.layers; l++) {
		const p = `model.layers.${l}.`;
		shapes.push(
			[`${p}input_layernorm.weight`, [s.hidden]],
			[`${p}self_attn.q_proj.weight`, [s.heads * hd, s.hidden]],
			[`${p}self_attn.k_proj.weight`, [s.kvHeads * hd, s.hidden]],
			[`${p}self_attn.v_proj.weight`, [s.kvHeads * hd, s.hidden]],
			[`${p}self_attn.o_proj.weight`, [s.hidden, s.heads * hd]],
			[`${p}post_attention_layernorm.weight`, [s.hidden]],
			[`${p}mlp.gate_proj.weight`, [s.intermediate, s.hidden]],
			[`${p}mlp.up_proj.weight`, [s.intermediate, s.hidden]],
			[`${p}mlp.down_proj.weight`, [s.hidden, s.intermediate]]
		);
	}
	shapes.push(['model.norm.weight', [s.hidden]]);
	return shapes;
}

/** GPT-2-style initialisation: N(0, 0.02), residual outputs scaled by 1/√(2·layers), norms 1. */
export function initParams(s: ModelShape, seed: number): Params {
	const rng = createRng(seed);
	const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
	const params: Params = new Map();
	for (const [name, shape] of tensorShapes(s)) {
		const size = shape.reduce((a, b) => a * b, 1);
		const std = name.endsWith('o_proj.weight') || name.endsWith('down_proj.weight') ? 0.02 / Math.sqrt(2 * s.layers) : 0.02;
		const data = name.endsWith('norm.weight') ? new Float32Array(size).fill(1) : Float32Array.from({ length: size }, () => normal() * std);
		params.set(name, tf.variable(tf.tensor(data, shape), true));
	}
	return params;
}

function rmsNorm(x: Tensor, w: Tensor, eps: number): Tensor {
	const scale = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps));
	return tf.mul(tf.mul(x, scale), w);
}

/**
 * a·b for rank-2 tensors, kept on the WASM backend's fast path in both directions: it hands only
 * untransposed rank-2 products to XNNPACK (~30 GFLOP/s here) and runs every transposed or batched
 * BatchMatMul in a loop ~13× slower, so the gradients transpose explicitly instead of by flag.
 */
export const matMul2d = tf.customGrad(((a: Tensor, b: Tensor, save: GradSaveFunc) => {
	save([a, b]);
	return {
		value: tf.matMul(a as Tensor2D, b as Tensor2D),
		gradFunc: (dy: Tensor, [x, y]: Tensor[]) => [tf.matMul(dy as Tensor2D, tf.transpose(y) as Tensor2D), tf.matMul(tf.transpose(x) as Tensor2D, dy as Tensor2D)]
	};
}) as never) as (a: Tensor, b: Tensor) => Tensor;

/** The rank-2 slices of a [n, …] tensor along its first axis (TF.js has no gradient for a split into one part). */
const slices = (t: Tensor) => (t.shape[0] === 1 ? [t] : tf.split(t, t.shape[0], 0)).map((x) => tf.reshape(x, t.shape.slice(1)));

/** x W^T for a Hugging Face [out, in] weight. */
const linear = (x: Tensor, w: Tensor) => matMul2d(x, tf.transpose(w));

function rope(x: Tensor, cos: Tensor, sin: Tensor, hd: number): Tensor {
	const [x1, x2] = tf.split(x, [hd / 2, hd / 2], -1);
	return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(x2), x1], -1), sin));
}

/** What a forward pass of T tokens adds for positions: RoPE's cos and sin [T, hd], or ALiBi's bias [T, T] per head. */
export interface PositionTables {
	rope?: { cos: Tensor; sin: Tensor };
	alibi?: Tensor[];
}

export function positionTables(s: ModelShape, T: number): PositionTables {
	const encoding = s.positionEncoding ?? 'rope';
	if (encoding === 'rope') return { rope: ropeTables(s, T) };
	// ALiBi as the engine applies it: head h's logit for query i and key j ≤ i gets −slope_h·(i − j).
	if (encoding === 'alibi') return { alibi: alibiSlopes(s.heads).map((slope) => tf.tensor(Float32Array.from({ length: T * T }, (_, n) => -slope * Math.max(0, Math.floor(n / T) - (n % T))), [T, T])) };
	return {};
}

function ropeTables(s: ModelShape, T: number): { cos: Tensor; sin: Tensor } {
	const hd = s.hidden / s.heads;
	const cos = new Float32Array(T * hd);
	const sin = new Float32Array(T * hd);
	for (let t = 0; t < T; t++) {
		for (let i = 0; i < hd / 2; i++) {
			const angle = t * s.ropeTheta ** ((-2 * i) / hd);
			cos[t * hd + i] = cos[t * hd + i + hd / 2] = Math.cos(angle);
			sin[t * hd + i] = sin[t * hd + i + hd / 2] = Math.sin(angle);
		}
	}
	return { cos: tf.tensor(cos, [T, hd]), sin: tf.tensor(sin, [T, hd]) };
}

/** Logits [B·T, vocab] for ids [B, T] (int32); `attentions`, when given, receives each layer's probabilities [B·heads, T, T]. */
export function forward(s: ModelShape, params: Params, ids: Tensor, tables: PositionTables, attentions?: Tensor[]): Tensor {
	const [B, T] = ids.shape as [number, number];
	const hd = s.hidden / s.heads;
	const group = s.heads / s.kvHeads;
	const w = (name: string) => params.get(name)!;
	// One-hot matmul: the WASM backend has no gradient for gather (and its float one-hot is wrong).
	const embed = w('model.embed_tokens.weight');
	let x = matMul2d(tf.cast(tf.oneHot(tf.reshape(ids, [B * T]), s.vocab), 'float32'), embed);
	const mask = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
	const bias = tf.mul(tf.sub(1, mask), -1e9);
	const heads = (t: Tensor, n: number) => tf.reshape(tf.transpose(tf.reshape(t, [B, T, n, hd]), [0, 2, 1, 3]), [B * n, T, hd]);
	// Query head h reads KV head ⌊h / group⌋ (HF repeat_kv); i counts (batch, head) pairs.
	const kvOf = (i: number) => Math.floor(i / s.heads) * s.kvHeads + Math.floor((i % s.heads) / group);
	const rotated = (t: Tensor) => (tables.rope ? rope(t, tables.rope.cos, tables.rope.sin, hd) : t);
	for (let l = 0; l < s.layers; l++) {
		const p = `model.layers.${l}.`;
		const h = rmsNorm(x, w(`${p}input_layernorm.weight`), s.rmsNormEps);
		const q = slices(rotated(heads(linear(h, w(`${p}self_attn.q_proj.weight`)), s.heads)));
		const kT = slices(tf.transpose(rotated(heads(linear(h, w(`${p}self_attn.k_proj.weight`)), s.kvHeads)), [0, 2, 1]));
		const v = slices(heads(linear(h, w(`${p}self_attn.v_proj.weight`)), s.kvHeads));
		// One (batch, head) at a time, so that only small tensors are split and stacked.
		const probs = q.map((qi, i) => {
			const scaled = tf.div(matMul2d(qi, kT[kvOf(i)]), Math.sqrt(hd));
			return tf.softmax(tf.add(tables.alibi ? tf.add(scaled, tables.alibi[i % s.heads]) : scaled, bias));
		});
		attentions?.push(tf.stack(probs));
		const attn = tf.stack(probs.map((prob, i) => matMul2d(prob, v[kvOf(i)])));
		const merged = tf.reshape(tf.transpose(tf.reshape(attn, [B, s.heads, T, hd]), [0, 2, 1, 3]), [B * T, s.heads * hd]);
		x = tf.add(x, linear(merged, w(`${p}self_attn.o_proj.weight`)));
		const m = rmsNorm(x, w(`${p}post_attention_layernorm.weight`), s.rmsNormEps);
		const gate = linear(m, w(`${p}mlp.gate_proj.weight`));
		const act = tf.mul(tf.mul(gate, tf.sigmoid(gate)), linear(m, w(`${p}mlp.up_proj.weight`)));
		x = tf.add(x, linear(act, w(`${p}mlp.down_proj.weight`)));
	}
	return linear(rmsNorm(x, w('model.norm.weight'), s.rmsNormEps), embed);
}

/** Weighted mean next-token cross-entropy; `targets` and `weights` are [B·T]. */
export function loss(logits: Tensor, targets: Tensor, weights: Tensor, vocab: number): Tensor {
	const logp = tf.logSoftmax(logits);
	const picked = tf.sum(tf.mul(logp, tf.cast(tf.oneHot(targets, vocab), 'float32')), -1);
	return tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), tf.sum(weights));
}
