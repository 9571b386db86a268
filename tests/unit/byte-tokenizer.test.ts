import { describe, expect, it } from 'vitest';
import { BYTE_BOS, BYTE_EOS, BYTE_PAD, byteTokenizer } from '$lib/tokenizers/byte';
import { createRng } from '$lib/random';

describe('byte tokenizer', () => {
	it('maps text to its UTF-8 bytes', () => {
		expect(byteTokenizer.encode('Hi!')).toEqual([72, 105, 33]);
		// é is C3 A9; 日 is E6 97 A5; 🦙 is F0 9F A6 99 (Unicode code charts).
		expect(byteTokenizer.encode('é日🦙')).toEqual([0xc3, 0xa9, 0xe6, 0x97, 0xa5, 0xf0, 0x9f, 0xa6, 0x99]);
		expect(byteTokenizer.encode('')).toEqual([]);
	});

	it('round-trips any well-formed string exactly', () => {
		const rng = createRng(5);
		for (let i = 0; i < 300; i++) {
			let text = '';
			for (let c = rng.int(0, 40); c > 0; c--) {
				// Any code point except the surrogate range, which is not Unicode text on its own.
				let point = rng.int(0, 0x10ffff);
				if (point >= 0xd800 && point <= 0xdfff) point = 0x41;
				text += String.fromCodePoint(point);
			}
			const ids = byteTokenizer.encode(text);
			expect(ids.every((id) => id >= 0 && id < 256)).toBe(true);
			expect(byteTokenizer.decode(ids)).toBe(text);
		}
	});

	it('leaves special tokens out of decoded text and labels them', () => {
		expect(byteTokenizer.decode([BYTE_BOS, 72, 105, BYTE_EOS, BYTE_PAD])).toBe('Hi');
		expect([BYTE_BOS, BYTE_EOS, BYTE_PAD].map((id) => byteTokenizer.label(id))).toEqual(['<bos>', '<eos>', '<pad>']);
		expect(byteTokenizer.label(65)).toBe('A');
		expect(byteTokenizer.label(0xc3)).toBe('<0xC3>');
		expect(byteTokenizer.vocabSize).toBe(259);
	});

	it('replaces a lone surrogate and broken byte sequences with U+FFFD', () => {
		expect(byteTokenizer.encode('\ud800')).toEqual([0xef, 0xbf, 0xbd]);
		expect(byteTokenizer.decode([0xc3])).toBe('\ufffd');
	});
});
