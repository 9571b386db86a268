/** A model directory in Node: config.json + model.safetensors, laid out as Hugging Face does. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../lib/engine/engine';

export class ModelDirError extends Error {
	override name = 'ModelDirError';
}

export function readModelDir(dir: string): { config: unknown; safetensors: Uint8Array } {
	try {
		return {
			config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
			safetensors: new Uint8Array(readFileSync(join(dir, 'model.safetensors')))
		};
	} catch (error) {
		throw new ModelDirError(`Cannot read a model from ${dir}: ${error instanceof Error ? error.message : String(error)}`);
	}
}

export function loadModelDir(dir: string): Promise<Engine> {
	const { config, safetensors } = readModelDir(dir);
	return Engine.load(config, safetensors);
}
