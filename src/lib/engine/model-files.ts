/** Getting a model's config.json and model.safetensors from a URL or from the user's files. */
import { parseConfig } from './config';
import type { Progress } from './engine';
import { readSafetensorsHeader } from './safetensors';
import { planWeights } from './weights';

export interface ModelFiles {
	config: unknown;
	safetensors: Uint8Array;
}

/** A config.json is a few kilobytes; anything this large is the wrong file. */
const MAX_CONFIG_BYTES = 2 ** 20;

export class ModelFilesError extends Error {
	override name = 'ModelFilesError';
}

async function readJson(text: string, source: string): Promise<unknown> {
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new ModelFilesError(`${source} is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
	}
}

/** Reads a response body, reporting bytes as they arrive. */
async function readBody(response: Response, onProgress?: (p: Progress) => void): Promise<Uint8Array> {
	const total = Number(response.headers.get('content-length')) || 0;
	if (!response.body) return new Uint8Array(await response.arrayBuffer());
	const reader = response.body.getReader();
	const chunks: Uint8Array[] = [];
	let received = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		chunks.push(value);
		received += value.byteLength;
		onProgress?.({ phase: 'load', done: received, total: Math.max(total, received) });
	}
	const out = new Uint8Array(received);
	let at = 0;
	for (const chunk of chunks) {
		out.set(chunk, at);
		at += chunk.byteLength;
	}
	return out;
}

/** Fetches `<base>/config.json` and `<base>/model.safetensors`. */
export async function fetchModel(base: string, onProgress?: (p: Progress) => void): Promise<ModelFiles> {
	const get = async (name: string) => {
		const url = `${base.replace(/\/$/, '')}/${name}`;
		let response: Response;
		try {
			response = await fetch(url);
		} catch (error) {
			throw new ModelFilesError(`Could not fetch ${url} (${error instanceof Error ? error.message : String(error)}).`);
		}
		if (!response.ok) throw new ModelFilesError(`Could not fetch ${url}: HTTP ${response.status}.`);
		return response;
	};
	const config = await readJson(await (await get('config.json')).text(), 'config.json');
	const safetensors = await readBody(await get('model.safetensors'), onProgress);
	return { config, safetensors };
}

/** Reads a model from files the user picked (config.json and a .safetensors file). */
export async function readModelFiles(files: ArrayLike<File>): Promise<ModelFiles> {
	const list = Array.from(files);
	const configFile = list.find((f) => f.name === 'config.json') ?? list.find((f) => f.name.endsWith('.json'));
	const weightsFile = list.find((f) => f.name.endsWith('.safetensors'));
	if (!configFile || !weightsFile) {
		throw new ModelFilesError('Pick two files: the model\'s config.json and its .safetensors weights.');
	}
	if (configFile.size > MAX_CONFIG_BYTES) throw new ModelFilesError(`${configFile.name} is ${configFile.size} bytes, too large for a model's config.json; pick the config that came with the weights.`);
	const config = await readJson(await configFile.text(), configFile.name);
	// The header, the config and the memory plan are checked before gigabytes of weights are read.
	planWeights(await readSafetensorsHeader(weightsFile), parseConfig(config));
	return { config, safetensors: new Uint8Array(await weightsFile.arrayBuffer()) };
}
