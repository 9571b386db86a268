/**
 * The hub models the picker offers by name: small models of the families the engine runs, base and
 * instruct. Parameters, context and positions are read from each model's published config.json,
 * which the cost presets hold (cost/models.ts), through the engine's parser and the lab's own
 * wording of positions; an instruct model shares its base's config.json. Licence and gating are the
 * repos' cards (../shared/reference/real-models.md). Where uncertain: the download sizes are
 * parameters × 2 bytes for the bf16 checkpoints, so approximate; GPT-2's is the hub's listing of its
 * f32 model.safetensors (548 MB, attention-mask buffers included). Any other repo can be typed in.
 */
import { findModelPreset } from '../cost/models';
import { parameterCount, type ModelConfig } from '../engine/config';
import { BROWSER_MAX_WEIGHT_BYTES } from '../engine/weights';
import { describeNativePositions } from '../techniques/positions/native';

export interface CuratedModel {
	repo: string;
	parameters: number;
	/** Bytes the weights download, approximately. */
	downloadBytes: number;
	/** Trained context in tokens. */
	context: number;
	/** The model's own position encoding, as the lab's model card words it. */
	positions: string;
	licence: string;
	/** A gated repo wants its licence accepted on the hub and an access token. */
	gated: boolean;
	instruct: boolean;
}

interface Entry {
	repo: string;
	/** The cost preset holding the (base) model's config.json. */
	preset: string;
	licence: string;
	gated: boolean;
	/** Bytes the checkpoint stores per parameter, or the hub's listed size where it stores more than the parameters. */
	download: { bytesPerParameter: number } | { bytes: number };
}

const BF16 = { bytesPerParameter: 2 };
const family = (base: string, instruct: string | null, rest: Omit<Entry, 'repo'>): (Entry & { instruct: boolean })[] => [
	{ repo: base, ...rest, instruct: false },
	...(instruct ? [{ repo: instruct, ...rest, instruct: true }] : [])
];

const ENTRIES = [
	...family('HuggingFaceTB/SmolLM2-135M', 'HuggingFaceTB/SmolLM2-135M-Instruct', { preset: 'smollm2-135m', licence: 'Apache-2.0', gated: false, download: BF16 }),
	...family('HuggingFaceTB/SmolLM2-360M', 'HuggingFaceTB/SmolLM2-360M-Instruct', { preset: 'smollm2-360m', licence: 'Apache-2.0', gated: false, download: BF16 }),
	...family('Qwen/Qwen2.5-0.5B', 'Qwen/Qwen2.5-0.5B-Instruct', { preset: 'qwen2.5-0.5b', licence: 'Apache-2.0', gated: false, download: BF16 }),
	...family('google/gemma-3-270m', 'google/gemma-3-270m-it', { preset: 'gemma-3-270m', licence: 'Gemma Terms of Use', gated: true, download: BF16 }),
	...family('meta-llama/Llama-3.2-1B', 'meta-llama/Llama-3.2-1B-Instruct', { preset: 'llama-3.2-1b', licence: 'Llama 3.2 Community License', gated: true, download: BF16 }),
	...family('openai-community/gpt2', null, { preset: 'gpt2', licence: 'MIT', gated: false, download: { bytes: 548e6 } })
];

function curated({ repo, preset, licence, gated, download, instruct }: Entry & { instruct: boolean }): CuratedModel {
	const config: ModelConfig | undefined = findModelPreset(preset)?.config;
	if (!config) throw new Error(`No cost preset "${preset}" for ${repo}`);
	const parameters = parameterCount(config);
	return {
		repo,
		parameters,
		downloadBytes: 'bytes' in download ? download.bytes : parameters * download.bytesPerParameter,
		context: config.maxPositions,
		positions: describeNativePositions(config),
		licence,
		gated,
		instruct
	};
}

export const CURATED_MODELS: readonly CuratedModel[] = ENTRIES.map(curated);

/** The engine holds weights as f32: four bytes a parameter. */
export const f32Memory = (model: CuratedModel) => model.parameters * 4;

/** Whether a browser tab can hold the model's weights as f32 (the downloader checks again from the headers). */
export const fitsInBrowser = (model: CuratedModel) => f32Memory(model) <= BROWSER_MAX_WEIGHT_BYTES;
