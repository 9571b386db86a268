/**
 * The byte-level tokenizer of our lab models: ids 0–255 are the UTF-8 bytes of the text, then
 * three special tokens. Every well-formed string round-trips exactly; a string with a lone
 * UTF-16 surrogate (not valid Unicode) encodes it as U+FFFD, as TextEncoder does.
 */
import { bytesLabel } from './label';
import type { Tokenizer } from './types';

export const BYTE_BOS = 256;
export const BYTE_EOS = 257;
export const BYTE_PAD = 258;
export const BYTE_VOCAB_SIZE = 259;

const SPECIAL_LABELS: Record<number, string> = { [BYTE_BOS]: '<bos>', [BYTE_EOS]: '<eos>', [BYTE_PAD]: '<pad>' };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export class ByteTokenizer implements Tokenizer {
	readonly name = 'bytes';
	readonly vocabSize = BYTE_VOCAB_SIZE;
	readonly bos = BYTE_BOS;
	readonly eos = BYTE_EOS;
	readonly pad = BYTE_PAD;

	encode(text: string): number[] {
		return Array.from(encoder.encode(text));
	}

	encodeWithOffsets(text: string): { ids: number[]; offsets: number[] } {
		const ids: number[] = [];
		const offsets: number[] = [];
		let at = 0;
		for (const char of text) {
			for (const byte of encoder.encode(char)) {
				ids.push(byte);
				offsets.push(at);
			}
			at += char.length;
		}
		return { ids, offsets };
	}

	decode(ids: readonly number[]): string {
		const bytes = Uint8Array.from(ids.filter((id) => id >= 0 && id < 256));
		return decoder.decode(bytes);
	}

	label(id: number): string {
		if (SPECIAL_LABELS[id]) return SPECIAL_LABELS[id];
		return id >= 0 && id < 256 ? bytesLabel(Uint8Array.of(id)) : `<${id}>`;
	}
}

export const byteTokenizer = new ByteTokenizer();
