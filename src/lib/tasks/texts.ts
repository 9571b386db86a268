/**
 * Texts a task reads that are too large for the bundle or the link: the books haystack shipped in
 * static/haystack, and documents the user stored by content hash. One interface, so generators
 * never know where they run: the browser (page or engine worker) fetches and reads IndexedDB,
 * Node (CLI, tests) reads the repository's static/ folder.
 */
import { storedDocument } from './documents';
import { TaskError } from './types';

export interface TextSource {
	/** A text file shipped in static/, by its path there (e.g. `haystack/thoreau-walden.txt`). */
	file(path: string): Promise<string>;
	/** A document stored by its content hash (hex SHA-256); undefined where it is not stored. */
	document(hash: string): Promise<string | undefined>;
}

const inNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function fetchStatic(path: string): Promise<string> {
	let response: Response;
	try {
		response = await fetch(`/${path}`);
	} catch (error) {
		throw new TaskError(`Could not load /${path} (${error instanceof Error ? error.message : String(error)}).`);
	}
	if (!response.ok) throw new TaskError(`Could not load /${path}: HTTP ${response.status}.`);
	return response.text();
}

// Named through variables so the browser bundle neither follows node:fs nor turns this module's
// URL into an asset; this branch only runs in Node.
const NODE_FS = 'node:fs/promises';
const MODULE_URL = import.meta.url;

async function readStatic(path: string): Promise<string> {
	const fs: typeof import('node:fs/promises') = await import(/* @vite-ignore */ NODE_FS);
	try {
		return await fs.readFile(new URL(`../../../static/${path}`, MODULE_URL), 'utf8');
	} catch (error) {
		throw new TaskError(`Could not read static/${path} (${error instanceof Error ? error.message : String(error)}).`);
	}
}

/** Each file read once per source: a needle grid asks for the same haystack in every cell. */
export function cachedSource(source: TextSource): TextSource {
	const files = new Map<string, Promise<string>>();
	return {
		file(path) {
			let text = files.get(path);
			if (!text) {
				text = source.file(path);
				files.set(path, text);
				// A failed read (offline, a missing file) is tried again next time.
				text.catch(() => files.delete(path));
			}
			return text;
		},
		document: (hash) => source.document(hash)
	};
}

/** Documents live only in the browser that stored them; Node has none. */
export const defaultTexts: TextSource = cachedSource(
	inNode ? { file: readStatic, document: async () => undefined } : { file: fetchStatic, document: storedDocument }
);
