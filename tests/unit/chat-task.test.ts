/**
 * The chat-template toggle: a task's prompt as one user turn in the model's own template, with the
 * needle's tokens found again in the rendered prompt.
 */
import { describe, expect, it } from 'vitest';
import { findTask } from '$lib/tasks/registry';
import { passkey } from '$lib/tasks/passkey';
import { byteTokenizer } from '$lib/tokenizers/byte';
import { lenmlTokenizer } from '../fixtures/hf-tokenizers';

describe('chat template toggle', () => {
	const qwen = lenmlTokenizer('qwen3');
	const params = { len: 300, depth: 0.5 };
	const plain = passkey.generate(params, 7, qwen);
	const chat = findTask('passkey')!.generate({ ...params, chat: true }, 7, qwen);

	it('renders the prompt as ChatML, the way Qwen documents it, encoded without an extra BOS', () => {
		// Qwen's "Key Concepts" page: <|im_start|>{role}\n{content}<|im_end|>\n, then the assistant header.
		const expected = `<|im_start|>user\n${plain.prompt}<|im_end|>\n<|im_start|>assistant\n`;
		expect(chat.prompt).toBe(expected);
		expect(chat.ids).toEqual(qwen.encode(expected));
		expect(chat.ids[0]).toBe(151644); // <|im_start|>
		expect(chat.meta.tokens).toBe(chat.ids.length);
	});

	it('keeps each needle span on the tokens of the same text', () => {
		expect(chat.needleSpans.map((s) => s.kind)).toEqual(plain.needleSpans.map((s) => s.kind));
		for (const span of chat.needleSpans) {
			const text = qwen.decode(chat.ids.slice(span.start, span.end));
			expect(text).toContain(span.text.trim());
		}
		// The ChatML header before the prompt is 3 tokens (<|im_start|>, "user", "\n"): spans move by it.
		const shift = chat.needleSpans[0].start - plain.needleSpans[0].start;
		expect(shift).toBe(3);
	});

	it('scores an assistant reply by whether the answer appears, and sizes the reply for a sentence', () => {
		expect(plain.scoring).toBe('exact');
		expect(chat.scoring).toBe('all');
		expect(chat.answers).toEqual(plain.answers);
		expect(chat.completion).toBe(`The pass key is${plain.completion}`);
	});

	it('says so when the model has no chat template', () => {
		expect(() => findTask('passkey')!.generate({ ...params, chat: true }, 7, byteTokenizer)).toThrow(/no chat template \(a base model\)/);
	});

	it('is off by default, leaving the prompt as it was', () => {
		expect(findTask('passkey')!.params.chat.default).toBe(false);
		expect(findTask('passkey')!.generate(params, 7, qwen)).toEqual(plain);
	});
});
