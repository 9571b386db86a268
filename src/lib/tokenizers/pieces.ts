/**
 * What text each token of a tokenizer.json stands for, as bytes, read from its decoder and
 * normalizer. Character offsets are computed from these bytes because @huggingface/tokenizers
 * (0.2.0) reports none. Two families cover the models the lab loads:
 * - byte-level BPE (GPT-2, Llama 3, Qwen2, SmolLM2): each character of a token is one byte
 *   through GPT-2's byte↔unicode table;
 * - SentencePiece style (Llama 2, Mistral, Gemma): `▁` is a space, `<0xNN>` is one byte when the
 *   model falls back to bytes, and some add a "dummy prefix" space before the text.
 * Anything else has no reader and its offsets come from decoding instead.
 */
import { BYTE_LEVEL_DECODER } from './byte-level';
import { isRecord, type Json } from './json';

/** Where the tokenizer adds a space of its own before a stretch of text, which is not in the text. */
export type DummyPrefix = 'none' | 'first' | 'always';

export interface PieceReader {
	/** The bytes a (non-added) token stands for; null where it cannot be read. */
	bytes(token: string): Uint8Array | null;
	dummyPrefix: DummyPrefix;
}

/** A component and, for a Sequence, the components inside it. */
function flatten(component: unknown, listKey: string): Json[] {
	if (!isRecord(component)) return [];
	const inner = component[listKey];
	if (component.type === 'Sequence' && Array.isArray(inner)) return inner.flatMap((c) => flatten(c, listKey));
	return [component];
}

const utf8 = new TextEncoder();
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

function byteLevelBytes(token: string): Uint8Array | null {
	const bytes = new Uint8Array(token.length);
	for (let i = 0; i < token.length; i++) {
		const byte = BYTE_LEVEL_DECODER.get(token[i]);
		if (byte === undefined) return null;
		bytes[i] = byte;
	}
	return bytes;
}

function metaspaceBytes(replacement: string, byteFallback: boolean): (token: string) => Uint8Array | null {
	return (token) => {
		const byte = byteFallback ? BYTE_TOKEN.exec(token) : null;
		if (byte) return Uint8Array.of(parseInt(byte[1], 16));
		return utf8.encode(token.replaceAll(replacement, ' '));
	};
}

function dummyPrefixOf(tokenizer: Json, replacement: string): DummyPrefix {
	const prepends = flatten(tokenizer.normalizer, 'normalizers').some((n) => n.type === 'Prepend' && n.prepend === replacement);
	if (prepends) return 'always';
	const metaspace = flatten(tokenizer.pre_tokenizer, 'pretokenizers').find((p) => p.type === 'Metaspace');
	if (!metaspace) return 'none';
	// As @huggingface/tokenizers reads it (older files' add_prefix_space is not consulted there).
	return metaspace.prepend_scheme === 'first' ? 'first' : metaspace.prepend_scheme === 'never' ? 'none' : 'always';
}

/** The reader for a tokenizer.json (already checked to be an object with a model), or null. */
export function pieceReader(tokenizer: Json): PieceReader | null {
	const decoders = flatten(tokenizer.decoder, 'decoders');
	if (decoders.some((d) => d.type === 'ByteLevel')) return { bytes: byteLevelBytes, dummyPrefix: 'none' };

	const metaspace = decoders.find((d) => d.type === 'Metaspace');
	const replace = decoders.find((d) => d.type === 'Replace' && isRecord(d.pattern) && d.content === ' ');
	const replacement = metaspace ? metaspace.replacement : replace ? (replace.pattern as Json).String : undefined;
	if (typeof replacement !== 'string' || replacement.length === 0) return null;
	const byteFallback = isRecord(tokenizer.model) && tokenizer.model.byte_fallback === true;
	return { bytes: metaspaceBytes(replacement, byteFallback), dummyPrefix: dummyPrefixOf(tokenizer, replacement) };
}
