/**
 * How each architecture (config.json's `model_type`) reads its config, as its transformers
 * modeling and configuration code do: the same field can mean different things, or nothing, from
 * one family to the next (Qwen2 hard-codes q/k/v biases and ignores `attention_bias`; Llama has
 * no sliding window whatever `sliding_window` says). A new family is one entry here plus the
 * block kinds it brings.
 */
import type { NormKind } from './block';
import { quote } from '../quote';
import { ConfigError } from './errors';
import type { LayerType } from './config';
import { readGemma3, readGemma3Text, readGpt2, type ConfigReader } from './family-configs';

/** The block as a family's modeling code builds it, whatever its sizes. */
export interface FamilyBlock {
	norm: NormKind;
	gatedMlp: boolean;
	qkNorm: boolean;
	outputNorms: boolean;
	scaleEmbeddings: boolean;
	learnedPositions: boolean;
}

/** Which projections carry a bias vector. */
export interface Biases {
	qkv: boolean;
	o: boolean;
	/** gate, up and down. */
	mlp: boolean;
}

/** Projections the family's checkpoints store as one tensor: [q; k; v] rows, [gate; up] rows. */
export interface Fused {
	qkv: boolean;
	gateUp: boolean;
}

/** The config fields the readings look at, already validated. */
export interface FamilyFields {
	num_hidden_layers: number;
	attention_bias?: boolean;
	mlp_bias?: boolean;
	sliding_window?: number | null;
	use_sliding_window?: boolean;
	max_window_layers?: number;
	layer_types?: LayerType[];
	sliding_window_pattern?: number;
}

export interface FamilyReading {
	block: FamilyBlock;
	/** Where the family names or defaults its fields otherwise than Llama's (family-configs.ts). */
	read?: ConfigReader;
	biases(c: FamilyFields): Biases;
	fused: Fused;
	/** The window of the sliding layers, and which layers slide (default: all); none without this. */
	sliding?(c: FamilyFields): { window: number | null; types?: LayerType[] };
}

const SEPARATE: Fused = { qkv: false, gateUp: false };
const NO_BIASES: Biases = { qkv: false, o: false, mlp: false };
const LLAMA: FamilyBlock = { norm: 'rms', gatedMlp: true, qkNorm: false, outputNorms: false, scaleEmbeddings: false, learnedPositions: false };

// LlamaAttention gives q, k, v and o a bias with attention_bias; LlamaMLP its three with mlp_bias.
const llama: FamilyReading = {
	block: LLAMA,
	biases: (c) => ({ qkv: c.attention_bias ?? false, o: c.attention_bias ?? false, mlp: c.mlp_bias ?? false }),
	fused: SEPARATE
};

// Gemma3Attention biases its four projections with attention_bias; Gemma3MLP has none.
const gemma3: FamilyReading = {
	block: { norm: 'rms-offset', gatedMlp: true, qkNorm: true, outputNorms: true, scaleEmbeddings: true, learnedPositions: false },
	read: readGemma3Text,
	biases: (c) => ({ qkv: c.attention_bias ?? false, o: c.attention_bias ?? false, mlp: false }),
	fused: SEPARATE,
	// layer_types, or (older configs) every sliding_window_pattern-th layer full.
	sliding: (c) => ({
		window: c.sliding_window ?? null,
		types: c.layer_types ?? Array.from({ length: c.num_hidden_layers }, (_, i) => ((i + 1) % (c.sliding_window_pattern ?? 6) ? 'sliding_attention' : 'full_attention'))
	})
};

export const FAMILIES: Record<string, FamilyReading> = {
	llama,
	// The lab's own models: Llama blocks (tests/fixtures, training/).
	longscope: llama,
	// MistralConfig defaults sliding_window to 4096; null switches it off.
	mistral: { block: LLAMA, biases: () => NO_BIASES, fused: SEPARATE, sliding: (c) => ({ window: c.sliding_window === undefined ? 4096 : c.sliding_window }) },
	qwen2: {
		block: LLAMA,
		biases: () => ({ qkv: true, o: false, mlp: false }),
		fused: SEPARATE,
		// Qwen2Config drops the window unless use_sliding_window; without layer_types, layers from max_window_layers on slide.
		sliding: (c) => ({
			window: c.use_sliding_window ? (c.sliding_window === undefined ? 4096 : c.sliding_window) : null,
			types: c.layer_types ?? Array.from({ length: c.num_hidden_layers }, (_, i) => (i >= (c.max_window_layers ?? 28) ? 'sliding_attention' : 'full_attention'))
		})
	},
	phi3: { block: LLAMA, biases: () => NO_BIASES, fused: { qkv: true, gateUp: true }, sliding: (c) => ({ window: c.sliding_window ?? null }) },
	gemma3_text: gemma3,
	// A multimodal Gemma 3: its text model.
	gemma3: { ...gemma3, read: readGemma3 },
	// Conv1D's c_attn holds q, k and v side by side; every projection and norm has a bias.
	gpt2: {
		block: { norm: 'layer', gatedMlp: false, qkNorm: false, outputNorms: false, scaleEmbeddings: false, learnedPositions: true },
		read: readGpt2,
		biases: () => ({ qkv: true, o: true, mlp: true }),
		fused: { qkv: true, gateUp: false }
	}
};

export function familyOf(modelType: string): FamilyReading {
	const family = Object.hasOwn(FAMILIES, modelType) ? FAMILIES[modelType] : undefined;
	// Quoted short: a config from anywhere may hold anything here.
	if (!family) throw new ConfigError(`config.json: model_type ${quote(modelType)} is not supported yet (supported: ${Object.keys(FAMILIES).join(', ')}).`);
	return family;
}

/** Each layer's attention, `sliding_attention` only where a window applies, and that window. */
export function slidingLayers(family: FamilyReading, c: FamilyFields): { slidingWindow: number | null; layerTypes: LayerType[] } {
	const { window, types } = family.sliding?.(c) ?? { window: null };
	if (types && types.length !== c.num_hidden_layers) throw new ConfigError(`config.json: layer_types names ${types.length} layers, but num_hidden_layers is ${c.num_hidden_layers}.`);
	const layerTypes = Array.from({ length: c.num_hidden_layers }, (_, i): LayerType => (window !== null && (types?.[i] ?? 'sliding_attention') === 'sliding_attention' ? 'sliding_attention' : 'full_attention'));
	return { slidingWindow: layerTypes.includes('sliding_attention') ? window : null, layerTypes };
}
