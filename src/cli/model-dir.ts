/** A model directory in Node: config.json + model.safetensors, laid out as Hugging Face does. */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { Engine } from '../lib/engine/engine';
import type { ByteSource } from '../lib/engine/safetensors';
import { modelTokenizer, type Tokenizer, type TokenizerFiles } from '../lib/tokenizers';

export class ModelDirError extends Error {
	override name = 'ModelDirError';
}

/** What a model may take of this machine, onnxruntime's heap included: half of its memory (the engine's memory plan counts against it). */
export const NODE_MAX_WEIGHT_BYTES = Math.floor(totalmem() / 2);

/** `readSync` moves at most 2 GiB per call. */
const READ_CHUNK = 2 ** 30;

export interface FileSource extends ByteSource {
	close(): void;
}

const kind = (stat: Stats) =>
	stat.isDirectory() ? 'a directory' : stat.isCharacterDevice() ? 'a character device' : stat.isBlockDevice() ? 'a block device' : stat.isFIFO() ? 'a pipe' : stat.isSocket() ? 'a socket' : 'a special file';

/**
 * Opens a file for reading at offsets, one tensor at a time: no `readFileSync` (which refuses
 * files over 2 GiB and reads everything before the header is checked), and only regular files,
 * so a symlink to /dev/zero or a FIFO is refused before a byte is read.
 */
export function openFileSource(path: string): FileSource {
	// O_NONBLOCK: opening a FIFO would otherwise wait for a writer (it is a no-op for regular files).
	const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
	const stat = fstatSync(fd);
	if (!stat.isFile()) {
		closeSync(fd);
		throw new ModelDirError(`${path} is ${kind(stat)}, not a regular file; a model's config.json and model.safetensors must be ordinary files.`);
	}
	return {
		size: stat.size,
		read(offset, length) {
			const out = new Uint8Array(length);
			for (let done = 0; done < length; ) {
				const n = readSync(fd, out, done, Math.min(READ_CHUNK, length - done), offset + done);
				if (n === 0) throw new ModelDirError(`${path} ended at byte ${offset + done} while reading; it changed or was truncated during the load.`);
				done += n;
			}
			return out;
		},
		close: () => closeSync(fd)
	};
}

/** A config.json is a few kilobytes; anything this large is the wrong file. */
const MAX_CONFIG_BYTES = 2 ** 20;

function describe(dir: string, error: unknown): ModelDirError {
	if (error instanceof ModelDirError) return error;
	if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
		return new ModelDirError(`${dir} has no ${basename((error as NodeJS.ErrnoException).path ?? 'config.json')}; a model directory holds config.json and model.safetensors.`);
	}
	return new ModelDirError(`Cannot read a model from ${dir}: ${error instanceof Error ? error.message : String(error)}`);
}

/** Reads and parses `<dir>/config.json` (not yet checked as a model config). */
export function readConfig(dir: string): unknown {
	const path = join(dir, 'config.json');
	let text: string;
	try {
		const file = openFileSource(path);
		try {
			if (file.size > MAX_CONFIG_BYTES) throw new ModelDirError(`${path} is ${file.size} bytes, too large for a config.json; point to the model's own directory.`);
			text = new TextDecoder().decode(file.read(0, file.size));
		} finally {
			file.close();
		}
	} catch (error) {
		throw describe(dir, error);
	}
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new ModelDirError(`${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
	}
}

/** Reads config.json and opens model.safetensors for reading in parts; the caller closes `safetensors`. */
export function readModelDir(dir: string): { config: unknown; safetensors: FileSource } {
	const config = readConfig(dir);
	try {
		return { config, safetensors: openFileSource(join(dir, 'model.safetensors')) };
	} catch (error) {
		throw describe(dir, error);
	}
}

export async function loadModelDir(dir: string): Promise<Engine> {
	const { config, safetensors } = readModelDir(dir);
	try {
		return await Engine.load(config, safetensors, { maxWeightBytes: NODE_MAX_WEIGHT_BYTES });
	} finally {
		safetensors.close();
	}
}

/** A model's other files as text (tokenizer.json…), read as the weights are: regular files only; null where absent. */
function dirFiles(dir: string): TokenizerFiles {
	return {
		async text(file) {
			let source: FileSource;
			try {
				source = openFileSource(join(dir, file));
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
				throw describe(dir, error);
			}
			try {
				return new TextDecoder().decode(source.read(0, source.size));
			} finally {
				source.close();
			}
		}
	};
}

/** What a run needs of a model: the engine, the tokenizer prompts are written with, and the name results carry. */
export interface LoadedModel {
	engine: Engine;
	tokenizer: Tokenizer | null;
	model: string;
}

/** A loaded engine with the model's own tokenizer (declared, or its tokenizer.json); one that cannot load releases the engine. */
export async function withTokenizer(engine: Engine, files: TokenizerFiles, model: string, name: string): Promise<LoadedModel> {
	try {
		return { engine, model, tokenizer: await modelTokenizer(engine.config, files, name) };
	} catch (error) {
		await engine.release();
		throw error;
	}
}

/** A model directory for runs, named by `model`. */
export async function loadModelDirForRuns(dir: string, model: string): Promise<LoadedModel> {
	return withTokenizer(await loadModelDir(dir), dirFiles(dir), model, model);
}
