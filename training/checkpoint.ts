/** Checkpoints (weights + Adam moments in one safetensors file, plus state.json) and HF export. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, writeSafetensors } from '../src/lib/engine/safetensors';
import type { ModelShape, Params } from './model';
import { tf } from './tf';

export interface TrainState {
	step: number;
	tokens: number;
	wallMs: number;
	log: {
		step: number;
		loss: number;
		answerAccuracy?: number;
		exactMatch?: number;
		/** Best head's attention mass from answer positions onto their keys, and that head [layer, head]. */
		keyMass?: number;
		keyMassHead?: [number, number];
		/** The same onto the key's value. */
		valueMass?: number;
		valueMassHead?: [number, number];
		/** Best head's attention onto the previous token. */
		previousToken?: number;
		previousTokenHead?: [number, number];
	}[];
}

export interface Moments {
	m: Map<string, import('@tensorflow/tfjs').Variable>;
	v: Map<string, import('@tensorflow/tfjs').Variable>;
}

function writeAtomically(path: string, data: Uint8Array | string) {
	writeFileSync(`${path}.tmp`, data);
	renameSync(`${path}.tmp`, path);
}

export function saveCheckpoint(dir: string, params: Params, moments: Moments, state: TrainState): void {
	mkdirSync(dir, { recursive: true });
	const tensors = [];
	for (const [prefix, map] of [['', params], ['adam_m.', moments.m], ['adam_v.', moments.v]] as const) {
		for (const [name, variable] of map) tensors.push({ name: prefix + name, shape: variable.shape, data: variable.dataSync() as Float32Array });
	}
	writeAtomically(join(dir, 'checkpoint.safetensors'), writeSafetensors(tensors));
	writeAtomically(join(dir, 'state.json'), JSON.stringify(state, null, 1));
}

/** The weights alone of another run's latest checkpoint (a successor starts from them with fresh moments). */
export function loadWeights(dir: string, params: Params): void {
	if (!existsSync(join(dir, 'checkpoint.safetensors'))) throw new Error(`no checkpoint to start from in ${dir}`);
	restore(dir, [['', params]]);
}

/** Restores into existing variables; returns null when there is no checkpoint. */
export function loadCheckpoint(dir: string, params: Params, moments: Moments): TrainState | null {
	if (!existsSync(join(dir, 'state.json'))) return null;
	restore(dir, [['', params], ['adam_m.', moments.m], ['adam_v.', moments.v]]);
	return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as TrainState;
}

/** Assigns each group of variables its tensors from the run's checkpoint, named with the group's prefix. */
function restore(dir: string, groups: [prefix: string, variables: Params][]): void {
	const file = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'checkpoint.safetensors'))));
	for (const [prefix, map] of groups) {
		for (const [name, variable] of map) variable.assign(tf.tensor(file.read(prefix + name), variable.shape));
	}
}

/** Hugging Face config.json for the lab model. */
export function hfConfig(s: ModelShape, trainedLength: number) {
	return {
		architectures: ['LlamaForCausalLM'],
		model_type: 'llama',
		hidden_size: s.hidden,
		intermediate_size: s.intermediate,
		num_hidden_layers: s.layers,
		num_attention_heads: s.heads,
		num_key_value_heads: s.kvHeads,
		head_dim: s.hidden / s.heads,
		vocab_size: s.vocab,
		max_position_embeddings: trainedLength,
		rope_theta: s.ropeTheta,
		rms_norm_eps: s.rmsNormEps,
		tie_word_embeddings: true,
		hidden_act: 'silu',
		bos_token_id: 256,
		eos_token_id: 257,
		position_encoding: s.positionEncoding ?? 'rope',
		tokenizer: 'bytes',
		torch_dtype: 'float32'
	};
}

/** What the model card says about training: written next to the weights, so it always matches them. */
export interface TrainingRecord {
	steps: number;
	tokens: number;
	wallMinutes: number;
	finalLoss: number | undefined;
	config: string;
	/** The runs this one started from (`init`), nearest first: each run's steps and wall time. */
	startedFrom?: { run: string; steps: number; wallMinutes: number }[];
}

export function exportModel(dir: string, s: ModelShape, params: Params, trainedLength: number, record?: TrainingRecord): void {
	mkdirSync(dir, { recursive: true });
	if (record) writeFileSync(join(dir, 'training.json'), JSON.stringify(record, null, 1) + '\n');
	const tensors = [...params].map(([name, variable]) => ({ name, shape: variable.shape, data: variable.dataSync() as Float32Array }));
	writeFileSync(join(dir, 'config.json'), JSON.stringify(hfConfig(s, trainedLength), null, 2) + '\n');
	writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(tensors, { format: 'pt' }));
}
