/**
 * The dense math of one model as small ONNX graphs, one per block kind, so the orchestrator
 * can stand between them: positions, masks, the cache and the hooks live in TypeScript.
 *
 * Their structure comes from the block spec (block.ts); [brackets] mark what only some families have:
 *
 *   pre(layer):  x[T,D] → norm → q[T,H·d], k[T,Hkv·d], v[T,Hkv·d]   [each q/k head normalised]
 *   attention:   q[H,T,d] (rotated, pre-scaled), k[Hkv,S,d], v[Hkv,S,d], bias[1|H,T,S]
 *                → out[T,H·d], probs[H,T,S]            (GQA: each KV head serves its group)
 *                [logits soft-capped before the bias]
 *   attentionFar: as attention, plus a second (q, k) pair and a `near` selector: scores are
 *                near ? q·k : qFar·kFar — for schemes that give far keys other positions.
 *   [stats]:     either one, plus key_columns[Hkv,S,2] (1 for a sink key, each key's position)
 *                → stats[H,T,3]: each row's sink mass, mean key position and entropy;
 *                  top_slot[H,T,1]: its most attended key slot
 *   [one head]:  any of them, plus head[1] → head_probs[1,T,S]: that query head's probabilities alone
 *   scores:      q[H,R,d], k[Hkv,S,d] → [soft-capped] logits[H,R,S] of R query rows, for masks that read them
 *   post(layer): attn[T,H·d], x[T,D] → h = x + [norm](o_proj(attn)) → h + [norm](MLP(norm(h)))
 *   head:        x[T,D] → norm → lm_head → [soft-cap] → logits[T,V]
 */
import type { Activation, BlockSpec, MlpKind, NormKind } from './block';
import type { ModelConfig } from './config';
import { GraphBuilder, type OnnxModel } from './onnx-builder';
import { transpose } from './transpose';
import type { HeadWeights, LayerWeights } from './weights';

export function rmsNorm(g: GraphBuilder, x: string, weight: string, eps: number): string {
	const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
	const scale = g.op('Sqrt', [g.op('Add', [meanSquare, g.scalar(eps)])]);
	return g.op('Mul', [g.op('Div', [x, scale]), weight]);
}

/** LayerNorm over the last axis, with PyTorch's biased variance. */
function layerNorm(g: GraphBuilder, x: string, weight: string, bias: string, eps: number): string {
	const centred = g.op('Sub', [x, g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 })]);
	const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred])], { axes: [-1], keepdims: 1 });
	const scale = g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])]);
	return g.op('Add', [g.op('Mul', [g.op('Div', [centred, scale]), weight]), bias]);
}

export function linear(g: GraphBuilder, x: string, name: string, w: Float32Array, out: number, inn: number, bias: Float32Array | null = null): string {
	const y = g.op('MatMul', [x, g.matrix(name, [inn, out], transpose(w, out, inn))]);
	return bias ? g.op('Add', [y, g.weight(`${name}.bias`, [out], bias)]) : y;
}

/** A norm's learned parameters: its scale, and its shift where the kind has one. */
interface NormWeights {
	weight: Float32Array;
	bias: Float32Array | null;
}

/** Norms by kind: x [.., n] → x normalised over its last axis. */
const NORMS: Record<NormKind, (g: GraphBuilder, x: string, name: string, w: NormWeights, eps: number) => string> = {
	rms: (g, x, name, w, eps) => rmsNorm(g, x, g.weight(name, [w.weight.length], w.weight), eps),
	// Checkpoints store w − 1; 1 + w rounds to the same f32 here as in PyTorch's forward.
	'rms-offset': (g, x, name, w, eps) => rmsNorm(g, x, g.weight(name, [w.weight.length], w.weight.map((v) => 1 + v)), eps),
	layer: (g, x, name, w, eps) => layerNorm(g, x, g.weight(name, [w.weight.length], w.weight), g.weight(`${name}.bias`, [w.weight.length], w.bias!), eps)
};

const norm = (g: GraphBuilder, spec: BlockSpec, x: string, name: string, weight: Float32Array, bias: Float32Array | null = null) => NORMS[spec.norm.kind](g, x, name, { weight, bias }, spec.norm.eps);

/** Each head of x [T, heads·d] normalised on its own (q/k norms), with one weight [d] for all heads. */
function headNorm(g: GraphBuilder, spec: BlockSpec, x: string, name: string, weight: Float32Array, heads: number, d: number): string {
	const normed = norm(g, spec, g.op('Reshape', [x, g.ints([-1, heads, d])]), name, weight);
	return g.op('Reshape', [normed, g.ints([-1, heads * d])]);
}

/** Activations by kind; gelu-tanh is GELU's tanh approximation (gelu_new, gelu_pytorch_tanh). */
const ACTIVATIONS: Record<Activation, (g: GraphBuilder, x: string) => string> = {
	silu: (g, x) => g.op('Mul', [x, g.op('Sigmoid', [x])]),
	'gelu-tanh': (g, x) => {
		const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
		const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715)])]), g.scalar(Math.sqrt(2 / Math.PI))]);
		return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [g.op('Tanh', [inner]), g.scalar(1)])]);
	}
};

/** Feed-forwards by kind: the normalised x [T, D] → [T, D], for hidden size d and MLP width f. */
const MLPS: Record<MlpKind, (g: GraphBuilder, x: string, w: LayerWeights, act: (g: GraphBuilder, x: string) => string, d: number, f: number) => string> = {
	// down(act(gate(x)) · up(x)): SwiGLU with silu, GeGLU with gelu.
	gated: (g, x, w, act, d, f) => {
		const gate = linear(g, x, 'gate_proj', w.gate!, f, d, w.gateBias);
		const up = linear(g, x, 'up_proj', w.up, f, d, w.upBias);
		return linear(g, g.op('Mul', [act(g, gate), up]), 'down_proj', w.down, d, f, w.downBias);
	},
	// down(act(up(x))), GPT-2's c_fc and c_proj, with their biases.
	plain: (g, x, w, act, d, f) => linear(g, act(g, linear(g, x, 'up_proj', w.up, f, d, w.upBias)), 'down_proj', w.down, d, f, w.downBias)
};

/** `half`: the graph keeps its matrices in f16 (GraphBuilder.matrix). */
export function preGraph(config: ModelConfig, spec: BlockSpec, w: LayerWeights, half: boolean): OnnxModel {
	const { hiddenSize: d, heads, kvHeads, headDim } = config;
	const g = new GraphBuilder('pre', half);
	const x = g.input('x', ['T', d]);
	const n = norm(g, spec, x, 'input_norm', w.inputNorm, w.inputNormBias);
	const q = linear(g, n, 'q_proj', w.q, heads * headDim, d, w.qBias);
	g.op('Identity', [spec.qkNorm ? headNorm(g, spec, q, 'q_norm', w.qNorm!, heads, headDim) : q], {}, 'q');
	const k = linear(g, n, 'k_proj', w.k, kvHeads * headDim, d, w.kBias);
	g.op('Identity', [spec.qkNorm ? headNorm(g, spec, k, 'k_norm', w.kNorm!, kvHeads, headDim) : k], {}, 'k');
	g.op('Identity', [linear(g, n, 'v_proj', w.v, kvHeads * headDim, d, w.vBias)], {}, 'v');
	g.output('q', ['T', heads * headDim]);
	g.output('k', ['T', kvHeads * headDim]);
	g.output('v', ['T', kvHeads * headDim]);
	return g.build();
}

/** tanh soft-capping, cap · tanh(x / cap), where the config sets a cap. */
function softcap(g: GraphBuilder, x: string, cap: number | null): string {
	return cap === null ? x : g.op('Mul', [g.op('Tanh', [g.op('Div', [x, g.scalar(cap)])]), g.scalar(cap)]);
}

/** Repeats each KV head for the query heads of its group: [Hkv, S, width] → [H, S, width]. */
function expandKv(g: GraphBuilder, x: string, config: ModelConfig, width = config.headDim): string {
	const group = config.heads / config.kvHeads;
	if (group === 1) return x;
	const expanded = g.op('Expand', [g.op('Unsqueeze', [x, g.ints([1])]), g.ints([1, group, 1, 1])]);
	return g.op('Reshape', [expanded, g.ints([config.heads, -1, width])]);
}

/**
 * Masked logits are −∞ in the bias; the statistics multiply probabilities by logits, and 0 · −∞
 * is NaN, so there they meet a finite floor instead, whose softmax weight is exactly 0 all the same.
 */
const MASKED_FLOOR = -1e30;

/**
 * Each row's entropy −Σ p ln p, for probs [H, T, S] whose softmax input was x: lse − Σ p·x, with
 * lse = x − ln p at the row's most attended slot (the first, on a tie; named `top_slot`), so no
 * logarithm is taken per entry.
 */
function rowEntropy(g: GraphBuilder, probs: string, x: string): string {
	const top = g.op('ArgMax', [x], { axis: -1, keepdims: 1 }, 'top_slot');
	const at = (t: string) => g.op('GatherElements', [t, top], { axis: -1 });
	const lse = g.op('Sub', [at(x), g.op('Log', [at(probs)])]);
	// Σ p·x as one dot product per row, [H, T, 1, S] · [H, T, S, 1]: faster than Mul and ReduceSum.
	const expected = g.op('MatMul', [g.op('Unsqueeze', [probs, g.ints([2])]), g.op('Unsqueeze', [x, g.ints([3])])]);
	return g.op('Sub', [lse, g.op('Squeeze', [expected, g.ints([3])])]);
}

/** Which attention graph: with a far branch, with the rows' statistics, with one head's probabilities as an output of its own. */
export interface AttentionVariant {
	far: boolean;
	stats: boolean;
	oneHead: boolean;
}

export function attentionGraph(config: ModelConfig, spec: BlockSpec, { far, stats, oneHead }: AttentionVariant): OnnxModel {
	const { heads, kvHeads, headDim } = config;
	const g = new GraphBuilder(`attention${far ? '_far' : ''}${stats ? '_stats' : ''}${oneHead ? '_head' : ''}`);
	const q = g.input('q', [heads, 'T', headDim]);
	const k = expandKv(g, g.input('k', [kvHeads, 'S', headDim]), config);
	const v = expandKv(g, g.input('v', [kvHeads, 'S', headDim]), config);
	const input = g.input('bias', ['B', 'T', 'S']);
	const bias = stats ? g.op('Max', [input, g.scalar(MASKED_FLOOR)]) : input;
	let scores = g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 2, 1] })]);
	if (far) {
		const qFar = g.input('q_far', [heads, 'T', headDim]);
		const kFar = expandKv(g, g.input('k_far', [kvHeads, 'S', headDim]), config);
		const near = g.input('near', ['B', 'T', 'S'], 'bool');
		const farScores = g.op('MatMul', [qFar, g.op('Transpose', [kFar], { perm: [0, 2, 1] })]);
		scores = g.op('Where', [near, scores, farScores]);
	}
	const x = g.op('Add', [softcap(g, scores, spec.softcap.attention), bias]);
	const probs = g.op('Softmax', [x], { axis: -1 }, 'probs');
	// With the statistics, each value row carries its key's sink flag and position as two more
	// entries: the sink mass and the mean key position come out of the one MatMul, at almost no cost.
	const weighted = g.op('MatMul', [probs, stats ? g.op('Concat', [v, expandKv(g, g.input('key_columns', [kvHeads, 'S', 2]), config, 2)], { axis: -1 }) : v]);
	const values = stats ? g.op('Slice', [weighted, g.ints([0]), g.ints([headDim]), g.ints([-1])]) : weighted;
	const out = g.op('Transpose', [values], { perm: [1, 0, 2] });
	g.op('Reshape', [out, g.ints([-1, heads * headDim])], {}, 'out');
	g.output('out', ['T', heads * headDim]);
	g.output('probs', [heads, 'T', 'S']);
	if (stats) {
		const sinkAndPosition = g.op('Slice', [weighted, g.ints([headDim]), g.ints([headDim + 2]), g.ints([-1])]);
		g.op('Concat', [sinkAndPosition, rowEntropy(g, probs, x)], { axis: -1 }, 'stats');
		g.output('stats', [heads, 'T', 3]);
		g.output('top_slot', [heads, 'T', 1], 'int64');
	}
	if (oneHead) {
		g.op('Gather', [probs, g.input('head', [1], 'int64')], { axis: 0 }, 'head_probs');
		g.output('head_probs', [1, 'T', 'S']);
	}
	return g.build();
}

/** Pre-mask logits [H, R, S] of R query rows q [H, R, d] (rotated, pre-scaled) against keys [Hkv, S, d], soft-capped where the model caps them. */
export function scoresGraph(config: ModelConfig, spec: BlockSpec): OnnxModel {
	const g = new GraphBuilder('scores');
	const q = g.input('q', [config.heads, 'R', config.headDim]);
	const k = expandKv(g, g.input('k', [config.kvHeads, 'S', config.headDim]), config);
	g.op('Identity', [softcap(g, g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 2, 1] })]), spec.softcap.attention)], {}, 'scores');
	g.output('scores', [config.heads, 'R', 'S']);
	return g.build();
}

export function postGraph(config: ModelConfig, spec: BlockSpec, w: LayerWeights, half: boolean): OnnxModel {
	const { hiddenSize: d, heads, headDim, intermediateSize: f } = config;
	const g = new GraphBuilder('post', half);
	const attn = g.input('attn', ['T', heads * headDim]);
	const x = g.input('x', ['T', d]);
	const o = linear(g, attn, 'o_proj', w.o, d, heads * headDim, w.oBias);
	const h = g.op('Add', [x, spec.outputNorms ? norm(g, spec, o, 'attn_out_norm', w.attnOutNorm!) : o]);
	const n = norm(g, spec, h, 'post_norm', w.postNorm, w.postNormBias);
	const m = MLPS[spec.mlp.kind](g, n, w, ACTIVATIONS[spec.mlp.activation], d, f);
	g.op('Add', [h, spec.outputNorms ? norm(g, spec, m, 'mlp_out_norm', w.mlpOutNorm!) : m], {}, 'y');
	g.output('y', ['T', d]);
	return g.build();
}

export function headGraph(config: ModelConfig, spec: BlockSpec, weights: HeadWeights, half: boolean): OnnxModel {
	const { hiddenSize: d, vocabSize: v } = config;
	const g = new GraphBuilder('head', half);
	const x = g.input('x', ['T', d]);
	const n = norm(g, spec, x, 'norm', weights.norm, weights.normBias);
	g.op('Identity', [softcap(g, linear(g, n, 'lm_head', weights.lmHead, v, d), spec.softcap.final)], {}, 'logits');
	g.output('logits', ['T', v]);
	return g.build();
}
