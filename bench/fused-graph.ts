/**
 * The benchmark's baseline: the whole model as ONE ONNX graph (what a stock export gives), run
 * by the same onnxruntime-web. RoPE comes in as cos/sin tables, the causal mask as a bias, and
 * for decoding the past keys (already rotated) and values come in as inputs.
 */
import { GraphBuilder, type OnnxModel } from '../src/lib/engine/onnx-builder';
import { linear, rmsNorm } from '../src/lib/engine/graphs';
import type { ModelConfig } from '../src/lib/engine/config';
import type { ModelWeights } from '../src/lib/engine/weights';

/** Rotates [heads, T, d] by cos/sin [T, d] in the rotate-half layout. */
function rope(g: GraphBuilder, x: string, d: number): string {
	const half = d / 2;
	const x1 = g.op('Slice', [x, g.ints([0]), g.ints([half]), g.ints([2])]);
	const x2 = g.op('Slice', [x, g.ints([half]), g.ints([d]), g.ints([2])]);
	const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: 2 });
	return g.op('Add', [g.op('Mul', [x, 'cos']), g.op('Mul', [rotated, 'sin'])]);
}

const heads = (g: GraphBuilder, x: string, n: number, d: number) => g.op('Transpose', [g.op('Reshape', [x, g.ints([-1, n, d])])], { perm: [1, 0, 2] });

function expand(g: GraphBuilder, x: string, config: ModelConfig): string {
	const group = config.heads / config.kvHeads;
	if (group === 1) return x;
	const e = g.op('Expand', [g.op('Unsqueeze', [x, g.ints([1])]), g.ints([1, group, 1, 1])]);
	return g.op('Reshape', [e, g.ints([config.heads, -1, config.headDim])]);
}

/** `decode`: one new token with past keys/values per layer; otherwise a whole prompt. */
export function fusedGraph(config: ModelConfig, weights: ModelWeights, decode: boolean): OnnxModel {
	const { hiddenSize: D, heads: H, kvHeads: Hkv, headDim: d, intermediateSize: f, vocabSize: V } = config;
	const g = new GraphBuilder('fused');
	const ids = g.input('ids', ['T'], 'int64');
	g.input('cos', ['T', d]);
	g.input('sin', ['T', d]);
	const bias = g.input('bias', [1, 'T', 'S']);
	const embed = g.weight('embed', [V, D], weights.embed);
	let x = g.op('Gather', [embed, ids], { axis: 0 });
	weights.layers.forEach((w, l) => {
		const n = rmsNorm(g, x, g.weight(`l${l}.in`, [D], w.inputNorm), config.normEps);
		const q = g.op('Mul', [rope(g, heads(g, linear(g, n, `l${l}.q`, w.q, H * d, D, w.qBias), H, d), d), g.scalar(1 / Math.sqrt(d))]);
		let k = rope(g, heads(g, linear(g, n, `l${l}.k`, w.k, Hkv * d, D, w.kBias), Hkv, d), d);
		let v = heads(g, linear(g, n, `l${l}.v`, w.v, Hkv * d, D, w.vBias), Hkv, d);
		if (decode) {
			k = g.op('Concat', [g.input(`past_k${l}`, [Hkv, 'P', d]), k], { axis: 1 }, `k${l}`);
			v = g.op('Concat', [g.input(`past_v${l}`, [Hkv, 'P', d]), v], { axis: 1 }, `v${l}`);
			g.output(`k${l}`, [Hkv, 'S', d]);
			g.output(`v${l}`, [Hkv, 'S', d]);
		}
		const scores = g.op('Add', [g.op('MatMul', [q, g.op('Transpose', [expand(g, k, config)], { perm: [0, 2, 1] })]), bias]);
		const attn = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), expand(g, v, config)]);
		const merged = g.op('Reshape', [g.op('Transpose', [attn], { perm: [1, 0, 2] }), g.ints([-1, H * d])]);
		const h = g.op('Add', [x, linear(g, merged, `l${l}.o`, w.o, D, H * d, w.oBias)]);
		const m = rmsNorm(g, h, g.weight(`l${l}.post`, [D], w.postNorm), config.normEps);
		const gate = linear(g, m, `l${l}.gate`, w.gate!, f, D, w.gateBias);
		const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), linear(g, m, `l${l}.up`, w.up, f, D, w.upBias)]);
		x = g.op('Add', [h, linear(g, act, `l${l}.down`, w.down, D, f, w.downBias)]);
	});
	// Like the engine, only the last position's logits are computed.
	const last = g.op('Slice', [x, g.ints([-1]), g.ints([2 ** 31 - 1]), g.ints([0])]);
	const n = rmsNorm(g, last, g.weight('norm', [D], weights.norm), config.normEps);
	// Tied embeddings are one initializer, as an export has them: a 150 k vocabulary twice would not fit in wasm32.
	const logits = weights.lmHead === weights.embed ? g.op('MatMul', [n, g.op('Transpose', [embed], { perm: [1, 0] })]) : linear(g, n, 'lm_head', weights.lmHead, V, D);
	g.op('Identity', [logits], {}, 'logits');
	g.output('logits', [1, V]);
	return g.build();
}

/** cos/sin tables [T, d] (frequencies repeated for both halves) for positions start…start+T−1. */
export function ropeTables(config: ModelConfig, start: number, count: number) {
	const d = config.headDim;
	const cos = new Float32Array(count * d);
	const sin = new Float32Array(count * d);
	for (let t = 0; t < count; t++) {
		for (let i = 0; i < d / 2; i++) {
			const angle = (start + t) * config.ropeTheta ** ((-2 * i) / d);
			cos[t * d + i] = cos[t * d + i + d / 2] = Math.cos(angle);
			sin[t * d + i] = sin[t * d + i + d / 2] = Math.sin(angle);
		}
	}
	return { cos, sin };
}
