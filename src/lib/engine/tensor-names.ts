/**
 * Where a checkpoint keeps each tensor the engine needs: every family's names (the prefixes of
 * multimodal and base-model wrappers, fused projections, GPT-2's Conv1D layout), by layer and role.
 */
import { blockSpec, type BlockSpec } from './block';
import type { ModelConfig } from './config';
import type { SafetensorsHeader } from './safetensors';
import type { LayerWeights } from './weights';

/** A layer's roles by the graph that holds them (graphs.ts): the projections before attention, and the rest of the block. */
export const PRE_ROLES = ['inputNorm', 'inputNormBias', 'q', 'k', 'v', 'qBias', 'kBias', 'vBias', 'qNorm', 'kNorm'] as const satisfies readonly (keyof LayerWeights)[];
export const POST_ROLES = [
	'o', 'oBias', 'attnOutNorm', 'postNorm', 'postNormBias', 'gate', 'up', 'down', 'gateBias', 'upBias', 'downBias', 'mlpOutNorm'
] as const satisfies readonly (keyof LayerWeights)[];

/** The roles that are matrices (a MatMul's weights), which a graph may keep in f16. */
export const MATRIX_ROLES: ReadonlySet<string> = new Set<keyof LayerWeights>(['q', 'k', 'v', 'o', 'gate', 'up', 'down']);

export type TensorSpec = [name: string, shape: number[]];


/**
 * Where a role's values lie in the file: a whole tensor, or `count` of its rows from `from` (a
 * fused projection), rows counted after a Conv1D weight ([in, out], GPT-2) is transposed.
 */
export interface Source {
	tensor: TensorSpec;
	rows?: { from: number; count: number };
	conv1d?: boolean;
}

export type LayerTable = Partial<Record<keyof LayerWeights, Source>>;

/** How a family's checkpoints name their tensors. */
interface Naming {
	/** What checkpoints put before the model's own names (multimodal wrappers, base-model prefixes), most common first. */
	prefixes: string[];
	/** The path of the layer list under the prefix. */
	layerList: string;
	/** Layer i's tensors by role, their names starting with `p`; roles the block lacks are absent. */
	layer(config: ModelConfig, spec: BlockSpec, p: string): LayerTable;
	top(config: ModelConfig, prefix: string): { embed: Source; positions?: Source; norm: Source; normBias?: Source };
}

const whole = (name: string, shape: number[]): Source => ({ tensor: [name, shape] });

/** Projections with `counts` outputs each: consecutive rows of the tensor `fusedName` where fused, else tensors of their own. */
function projections(fusedName: string | null, names: string[], counts: number[], suffix: string, rest: number[]): Source[] {
	if (!fusedName) return names.map((name, b) => whole(`${name}.${suffix}`, [counts[b], ...rest]));
	const total = counts.reduce((a, b) => a + b, 0);
	return counts.map((count, b) => ({ tensor: [`${fusedName}.${suffix}`, [total, ...rest]], rows: { from: counts.slice(0, b).reduce((a, c) => a + c, 0), count } }));
}

const LLAMA_NAMES: Naming = {
	// Gemma 3's multimodal checkpoints hold the text model under language_model (older and newer transformers).
	prefixes: ['model.', 'language_model.model.', 'model.language_model.'],
	layerList: 'layers',
	layer: (config, spec, p) => {
		const { hiddenSize: d, heads, kvHeads, headDim, intermediateSize: f } = config;
		const { biases, fused } = spec;
		const qOut = heads * headDim;
		const kvOut = kvHeads * headDim;
		const qkv = (suffix: string, rest: number[]) =>
			projections(fused.qkv ? `${p}self_attn.qkv_proj` : null, ['q', 'k', 'v'].map((x) => `${p}self_attn.${x}_proj`), [qOut, kvOut, kvOut], suffix, rest);
		const gateUp = (suffix: string, rest: number[]) => projections(fused.gateUp ? `${p}mlp.gate_up_proj` : null, [`${p}mlp.gate_proj`, `${p}mlp.up_proj`], [f, f], suffix, rest);
		const [q, k, v] = qkv('weight', [d]);
		const [gate, up] = gateUp('weight', [d]);
		const tensors: LayerTable = {
			inputNorm: whole(`${p}input_layernorm.weight`, [d]),
			q,
			k,
			v,
			o: whole(`${p}self_attn.o_proj.weight`, [d, qOut]),
			postNorm: whole(`${p}post_attention_layernorm.weight`, [d]),
			gate,
			up,
			down: whole(`${p}mlp.down_proj.weight`, [d, f])
		};
		if (biases.qkv) [tensors.qBias, tensors.kBias, tensors.vBias] = qkv('bias', []);
		if (biases.o) tensors.oBias = whole(`${p}self_attn.o_proj.bias`, [d]);
		if (biases.mlp) {
			[tensors.gateBias, tensors.upBias] = gateUp('bias', []);
			tensors.downBias = whole(`${p}mlp.down_proj.bias`, [d]);
		}
		if (spec.qkNorm) {
			tensors.qNorm = whole(`${p}self_attn.q_norm.weight`, [headDim]);
			tensors.kNorm = whole(`${p}self_attn.k_norm.weight`, [headDim]);
		}
		// With output norms, post_attention_layernorm normalises the attention output, and the MLP's input has its own.
		if (spec.outputNorms) {
			tensors.attnOutNorm = tensors.postNorm;
			tensors.postNorm = whole(`${p}pre_feedforward_layernorm.weight`, [d]);
			tensors.mlpOutNorm = whole(`${p}post_feedforward_layernorm.weight`, [d]);
		}
		return tensors;
	},
	top: (config, prefix) => ({
		embed: whole(`${prefix}embed_tokens.weight`, [config.vocabSize, config.hiddenSize]),
		norm: whole(`${prefix}norm.weight`, [config.hiddenSize])
	})
};

const GPT2_NAMES: Naming = {
	// The original checkpoints name GPT2Model's tensors; GPT2LMHeadModel saves them under transformer.
	prefixes: ['', 'transformer.'],
	layerList: 'h',
	layer: (config, _spec, p) => {
		const { hiddenSize: d, intermediateSize: f } = config;
		const conv = (name: string, inn: number, out: number): Source => ({ tensor: [`${p}${name}`, [inn, out]], conv1d: true });
		// c_attn holds q, k and v side by side: [d, 3d], rows of its transpose.
		const [q, k, v] = [0, 1, 2].map((b): Source => ({ ...conv('attn.c_attn.weight', d, 3 * d), rows: { from: b * d, count: d } }));
		const [qBias, kBias, vBias] = projections(`${p}attn.c_attn`, ['q', 'k', 'v'], [d, d, d], 'bias', []);
		return {
			inputNorm: whole(`${p}ln_1.weight`, [d]),
			inputNormBias: whole(`${p}ln_1.bias`, [d]),
			q,
			k,
			v,
			qBias,
			kBias,
			vBias,
			o: conv('attn.c_proj.weight', d, d),
			oBias: whole(`${p}attn.c_proj.bias`, [d]),
			postNorm: whole(`${p}ln_2.weight`, [d]),
			postNormBias: whole(`${p}ln_2.bias`, [d]),
			up: conv('mlp.c_fc.weight', d, f),
			upBias: whole(`${p}mlp.c_fc.bias`, [f]),
			down: conv('mlp.c_proj.weight', f, d),
			downBias: whole(`${p}mlp.c_proj.bias`, [d])
		};
	},
	top: (config, prefix) => ({
		embed: whole(`${prefix}wte.weight`, [config.vocabSize, config.hiddenSize]),
		positions: whole(`${prefix}wpe.weight`, [config.maxPositions, config.hiddenSize]),
		norm: whole(`${prefix}ln_f.weight`, [config.hiddenSize]),
		normBias: whole(`${prefix}ln_f.bias`, [config.hiddenSize])
	})
};

/** Every tensor of the model by layer and role, under the prefix this file uses. */
export function tables(header: SafetensorsHeader, config: ModelConfig) {
	const naming = config.modelType === 'gpt2' ? GPT2_NAMES : LLAMA_NAMES;
	const spec = blockSpec(config);
	const prefix = naming.prefixes.find((p) => header.tensors.has(naming.top(config, p).embed.tensor[0])) ?? naming.prefixes[0];
	const layers = Array.from({ length: config.layers }, (_, i) => naming.layer(config, spec, `${prefix}${naming.layerList}.${i}.`));
	const lmHead = config.tieWordEmbeddings ? undefined : whole('lm_head.weight', [config.vocabSize, config.hiddenSize]);
	return { naming, prefix, layers, top: naming.top(config, prefix), lmHead };
}

/** Values in one row of a role's tensor as the engine reads it ([out, in], a Conv1D weight transposed). */
export function rowWidth({ tensor: [, shape], conv1d }: Source): number {
	return conv1d ? shape[0] : shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Values a role takes: its rows of a fused tensor, or the whole tensor. */
export function elements(source: Source): number {
	return source.rows ? source.rows.count * rowWidth(source) : source.tensor[1].reduce((a, b) => a * b, 1);
}
