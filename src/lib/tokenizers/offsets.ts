/**
 * Where each token starts in the text (a UTF-16 index), so that a character range (a needle, an
 * answer) maps to the tokens that cover it.
 *
 * First from the tokens' bytes (see pieces.ts): they are laid end to end and must rebuild the
 * text's UTF-8 exactly, byte for byte; then each token's first byte names the character it falls
 * in (a token that starts inside a character, as byte-level BPE splits emoji, shares that
 * character's index). Where they do not rebuild the text (a normalizer changed it, an unknown
 * token, a tokenizer family without a reader), offsets come from decoding prefixes instead:
 * token i starts at the length of the decoded tokens before it. Those are in the decoded text's
 * units, so they are approximate where the decoded text differs from the input, and marked so.
 */
import type { PieceReader } from './pieces';

export interface TokenOffsets {
	offsets: number[];
	/** True when the tokens rebuilt the text exactly; false for offsets read from decoding. */
	exact: boolean;
}

/** How the offsets' caller decodes: the length of the text of tokens [from, to). */
export type DecodedLength = (from: number, to: number) => number;

/**
 * A token's context for decoding: bytes of a character split over tokens, and a decoder's
 * stripped leading space, reach at most a few tokens back.
 */
const DECODE_WINDOW = 8;

const utf8 = new TextEncoder();

export function tokenOffsets(
	text: string,
	tokens: readonly string[],
	isAdded: (token: string) => boolean,
	reader: PieceReader | null,
	decodedLength: DecodedLength
): TokenOffsets {
	const exact = reader && offsetsFromBytes(text, tokens, isAdded, reader);
	return exact ? { offsets: exact, exact: true } : { offsets: offsetsFromDecoding(tokens.length, text.length, decodedLength), exact: false };
}

function offsetsFromBytes(text: string, tokens: readonly string[], isAdded: (token: string) => boolean, reader: PieceReader): number[] | null {
	const target = utf8.encode(text);
	const matchesAt = (at: number, bytes: Uint8Array) => bytes.every((byte, b) => target[at + b] === byte);
	const pieces = new Map<string, Uint8Array | null>();
	const pieceOf = (token: string) => {
		if (!pieces.has(token)) pieces.set(token, reader.bytes(token));
		return pieces.get(token)!;
	};
	const starts: number[] = [];
	let at = 0;
	let afterLiteral = false;
	for (let i = 0; i < tokens.length; i++) {
		// An added token's text may be matched as itself in the raw text, or the model may have
		// produced a piece that happens to equal it (Gemma lists "▁▁" and "\n" among its added
		// tokens): whichever rebuilds the text is what happened.
		const literal = isAdded(tokens[i]) ? utf8.encode(tokens[i]) : null;
		const piece = pieceOf(tokens[i]);
		const candidates: (Uint8Array | null)[] = [literal, ...(piece && startsStretch(i, afterLiteral, reader) && piece[0] === 0x20 ? [piece.subarray(1)] : []), piece];
		const bytes = candidates.find((c) => c && matchesAt(at, c));
		if (!bytes) return null;
		starts.push(at);
		at += bytes.length;
		afterLiteral = bytes === literal;
	}
	if (at !== target.length) return null;
	const charOfByte = byteToCharIndex(text, target.length);
	return starts.map((byte) => charOfByte[byte]);
}

/** Whether the tokenizer may have put its dummy-prefix space before token i. */
function startsStretch(i: number, afterLiteral: boolean, reader: PieceReader): boolean {
	if (reader.dummyPrefix === 'first') return i === 0;
	// Added tokens matched in the raw text cut it into stretches that are normalized one by one.
	return reader.dummyPrefix === 'always' && (i === 0 || afterLiteral);
}

/** For each UTF-8 byte of the text (and one past the end), the UTF-16 index of its character. */
function byteToCharIndex(text: string, byteCount: number): Int32Array {
	const index = new Int32Array(byteCount + 1);
	let byte = 0;
	let char = 0;
	for (const point of text) {
		const code = point.codePointAt(0)!;
		const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
		index.fill(char, byte, byte + size);
		byte += size;
		char += point.length;
	}
	index[byteCount] = text.length;
	return index;
}

function offsetsFromDecoding(count: number, textLength: number, decodedLength: DecodedLength): number[] {
	const offsets: number[] = [];
	for (let i = 0; i < count; i++) {
		const from = Math.max(0, i - DECODE_WINDOW);
		// Short prefixes are decoded whole; later ones add what token i-1 contributes in its window.
		const length = i === 0 ? 0 : from === 0 ? decodedLength(0, i) : offsets[i - 1] + decodedLength(from, i) - decodedLength(from, i - 1);
		offsets.push(Math.min(textLength, Math.max(i === 0 ? 0 : offsets[i - 1], length)));
	}
	return offsets;
}
