/**
 * The dense math of one model as small ONNX graphs, one per block kind, so the orchestrator
 * can stand between them: positions, masks, the cache and the hooks live in TypeScript.
 *
 * Their structure comes from the block spec (block.ts); for the Llama family:
 *
 *   pre(layer):  x[T,D] → RMSNorm → q[T,H·d], k[T,Hkv·d], v[T,Hkv·d]
 *   attention:   q[H,T,d] (rotated, pre-scaled), k[Hkv,S,d], v[Hkv,S,d], bias[1|H,T,S]
 *                → out[T,H·d], probs[H,T,S]            (GQA: each KV head serves its group)
 *   attentionFar: as attention, plus a second (q, k) pair and a `near` selector: scores are
 *                near ? q·k : qFar·kFar — for schemes that give far keys other positions.
 *   post(layer): attn[T,H·d], x[T,D] → x + o_proj(attn) → + SwiGLU(RMSNorm(·))
 *   head:        x[T,D] → RMSNorm → logits[T,V]
 */
import type { BlockSpec } from './block';
import type { ModelConfig } from './config';
import { GraphBuilder } from './onnx-builder';
import type { LayerWeights, ModelWeights } from './weights';

/** [out, in] (Hugging Face Linear) → [in, out] for MatMul(x, W). */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
	const out = new Float32Array(w.length);
	for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
	return out;
}

export function rmsNorm(g: GraphBuilder, x: string, weight: string, eps: number): string {
	const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
	const scale = g.op('Sqrt', [g.op('Add', [meanSquare, g.scalar(eps)])]);
	return g.op('Mul', [g.op('Div', [x, scale]), weight]);
}

export function linear(g: GraphBuilder, x: string, name: string, w: Float32Array, out: number, inn: number, bias: Float32Array | null = null): string {
	const y = g.op('MatMul', [x, g.weight(name, [inn, out], transpose(w, out, inn))]);
	return bias ? g.op('Add', [y, g.weight(`${name}.bias`, [out], bias)]) : y;
}

/** Norms by kind: x [T, D] and its weight → x normalised. */
const NORMS: Record<BlockSpec['norm']['kind'], (g: GraphBuilder, x: string, weight: string, eps: number) => string> = { rms: rmsNorm };

const norm = (g: GraphBuilder, spec: BlockSpec, x: string, weight: string) => NORMS[spec.norm.kind](g, x, weight, spec.norm.eps);

/** Feed-forwards by kind: the normalised x [T, D] → [T, D], for hidden size d and MLP width f. */
const MLPS: Record<BlockSpec['mlp'], (g: GraphBuilder, x: string, w: LayerWeights, d: number, f: number) => string> = {
	swiglu: (g, x, w, d, f) => {
		const gate = linear(g, x, 'gate_proj', w.gate, f, d, w.gateBias);
		const up = linear(g, x, 'up_proj', w.up, f, d, w.upBias);
		const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
		return linear(g, act, 'down_proj', w.down, d, f, w.downBias);
	}
};

export function preGraph(config: ModelConfig, spec: BlockSpec, w: LayerWeights): Uint8Array {
	const { hiddenSize: d, heads, kvHeads, headDim } = config;
	const g = new GraphBuilder('pre');
	const x = g.input('x', ['T', d]);
	const n = norm(g, spec, x, g.weight('input_norm', [d], w.inputNorm));
	g.op('Identity', [linear(g, n, 'q_proj', w.q, heads * headDim, d, w.qBias)], {}, 'q');
	g.op('Identity', [linear(g, n, 'k_proj', w.k, kvHeads * headDim, d, w.kBias)], {}, 'k');
	g.op('Identity', [linear(g, n, 'v_proj', w.v, kvHeads * headDim, d, w.vBias)], {}, 'v');
	g.output('q', ['T', heads * headDim]);
	g.output('k', ['T', kvHeads * headDim]);
	g.output('v', ['T', kvHeads * headDim]);
	return g.build();
}

/** Repeats each KV head for the query heads of its group: [Hkv, S, d] → [H, S, d]. */
function expandKv(g: GraphBuilder, x: string, config: ModelConfig): string {
	const group = config.heads / config.kvHeads;
	if (group === 1) return x;
	const expanded = g.op('Expand', [g.op('Unsqueeze', [x, g.ints([1])]), g.ints([1, group, 1, 1])]);
	return g.op('Reshape', [expanded, g.ints([config.heads, -1, config.headDim])]);
}

export function attentionGraph(config: ModelConfig, far: boolean): Uint8Array {
	const { heads, kvHeads, headDim } = config;
	const g = new GraphBuilder(far ? 'attention_far' : 'attention');
	const q = g.input('q', [heads, 'T', headDim]);
	const k = expandKv(g, g.input('k', [kvHeads, 'S', headDim]), config);
	const v = expandKv(g, g.input('v', [kvHeads, 'S', headDim]), config);
	const bias = g.input('bias', ['B', 'T', 'S']);
	let scores = g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 2, 1] })]);
	if (far) {
		const qFar = g.input('q_far', [heads, 'T', headDim]);
		const kFar = expandKv(g, g.input('k_far', [kvHeads, 'S', headDim]), config);
		const near = g.input('near', ['B', 'T', 'S'], 'bool');
		const farScores = g.op('MatMul', [qFar, g.op('Transpose', [kFar], { perm: [0, 2, 1] })]);
		scores = g.op('Where', [near, scores, farScores]);
	}
	const probs = g.op('Softmax', [g.op('Add', [scores, bias])], { axis: -1 }, 'probs');
	const out = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [1, 0, 2] });
	g.op('Reshape', [out, g.ints([-1, heads * headDim])], {}, 'out');
	g.output('out', ['T', heads * headDim]);
	g.output('probs', [heads, 'T', 'S']);
	return g.build();
}

export function postGraph(config: ModelConfig, spec: BlockSpec, w: LayerWeights): Uint8Array {
	const { hiddenSize: d, heads, headDim, intermediateSize: f } = config;
	const g = new GraphBuilder('post');
	const attn = g.input('attn', ['T', heads * headDim]);
	const x = g.input('x', ['T', d]);
	const h = g.op('Add', [x, linear(g, attn, 'o_proj', w.o, d, heads * headDim, w.oBias)]);
	const n = norm(g, spec, h, g.weight('post_norm', [d], w.postNorm));
	g.op('Add', [h, MLPS[spec.mlp](g, n, w, d, f)], {}, 'y');
	g.output('y', ['T', d]);
	return g.build();
}

export function headGraph(config: ModelConfig, spec: BlockSpec, weights: ModelWeights): Uint8Array {
	const { hiddenSize: d, vocabSize: v } = config;
	const g = new GraphBuilder('head');
	const x = g.input('x', ['T', d]);
	const n = norm(g, spec, x, g.weight('norm', [d], weights.norm));
	g.op('Identity', [linear(g, n, 'lm_head', weights.lmHead, v, d)], {}, 'logits');
	g.output('logits', ['T', v]);
	return g.build();
}
