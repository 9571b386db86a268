/**
 * The user's documents for the "your document" task. A short one rides in the link as it is; a
 * long one is kept in this browser (IndexedDB, which the engine worker reads too, unlike
 * localStorage) and the link names it by content hash, `sha256:<hex>`: the same text always gets
 * the same name, so pasting it again in another browser makes the link work there.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { createStore, get, set, type UseStore } from 'idb-keyval';
import { TaskError } from './types';

/**
 * Most URL-encoded characters a document may take in a link. Web servers refuse request lines
 * past about 8 KB (nginx's and Apache's defaults), and the static host sees the whole query, so a
 * document and the rest of the experiment (under 2 000 characters) keep a link under that; it is
 * far below the lab's own 1 MB link cap, which only guards against hostile links.
 */
export const INLINE_DOCUMENT_CHARS = 6_000;

/**
 * Longest document the lab takes: a million characters is about 250 000 tokens of a sub-word
 * tokenizer, past any context the lab can run, so anything longer is certainly a mistake.
 */
export const MAX_DOCUMENT_CHARS = 1_000_000;

const REF = /^sha256:([0-9a-f]{64})$/;

/** The hash a link names, or null when the value is the document itself. */
export function referencedHash(value: string): string | null {
	return REF.exec(value)?.[1] ?? null;
}

export function documentHash(text: string): string {
	return bytesToHex(sha256(utf8ToBytes(text)));
}

/** A hash as a reader sees it: enough to tell two documents apart. */
export const shortHash = (hash: string) => `sha256:${hash.slice(0, 12)}…`;

export function fitsInLink(text: string): boolean {
	// The link escapes values as encodeURIComponent does (less a few readable characters), so this
	// is the most a document can take there.
	try {
		return encodeURIComponent(text).length <= INLINE_DOCUMENT_CHARS;
	} catch {
		// A lone surrogate cannot be written in a URL at all.
		return false;
	}
}

export interface DocumentStore {
	get(hash: string): Promise<string | undefined>;
	put(hash: string, text: string): Promise<void>;
}

let store: UseStore | null = null;
// A database of its own: idb-keyval makes one store per database.
const documents = () => (store ??= createStore('longscope-documents', 'documents'));

export const browserDocuments: DocumentStore = {
	get: (hash) => get<string>(hash, documents()),
	put: (hash, text) => set(hash, text, documents())
};

/** A stored document, or undefined where this browser does not have it (or keeps no storage). */
export async function storedDocument(hash: string): Promise<string | undefined> {
	try {
		return await browserDocuments.get(hash);
	} catch {
		return undefined;
	}
}

/** Why a text cannot be a document, or null. */
export function documentProblem(text: string): string | null {
	if (text.trim() === '') return 'The document is empty: paste or upload a text.';
	// What a binary file (a PDF, a word-processor file) reads as; text never holds NUL.
	if (text.includes('\u0000')) return 'The document does not look like text (it holds NUL characters): paste text, or upload a plain-text file.';
	if (text.length > MAX_DOCUMENT_CHARS) {
		return `The document has ${text.length.toLocaleString('en-US')} characters; the lab takes documents of up to ${MAX_DOCUMENT_CHARS.toLocaleString('en-US')} (about 250 000 tokens, more than any context it runs).`;
	}
	return null;
}

/**
 * The task parameter for a text: the text itself when it fits in a link, else its reference
 * after storing it. Throws {@link TaskError} with what to do.
 */
export async function documentParam(text: string, into: DocumentStore): Promise<{ value: string; stored: boolean }> {
	const problem = documentProblem(text);
	if (problem) throw new TaskError(problem);
	if (fitsInLink(text) && referencedHash(text) === null) return { value: text, stored: false };
	const hash = documentHash(text);
	try {
		await into.put(hash, text);
	} catch (error) {
		throw new TaskError(
			`This browser would not store the document (${error instanceof Error ? error.message : String(error)}), and at ${text.length.toLocaleString('en-US')} characters it is too long for a link: shorten it to fit in ${INLINE_DOCUMENT_CHARS.toLocaleString('en-US')} characters.`
		);
	}
	return { value: `sha256:${hash}`, stored: true };
}
