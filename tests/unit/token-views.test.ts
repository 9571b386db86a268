import { describe, expect, it } from 'vitest';
import { axisLabel, axisTicks } from '$lib/components/heatmap-axes';
import { DRAWN_TOKENS, promptTokens, type PromptItem, type PromptToken } from '$lib/components/prompt-tokens';
import { findTask } from '$lib/tasks/registry';
import type { TaskInstance } from '$lib/tasks/types';
import { byteTokenizer } from '$lib/tokenizers/byte';
import type { Tokenizer } from '$lib/tokenizers/types';
import { lenmlTokenizer } from '../fixtures/hf-tokenizers';

const tokens = (items: PromptItem[]): PromptToken[] => items.flatMap((item) => ('skipped' in item ? [] : item.tokens));
const niah = (len: number, tokenizer: Tokenizer) => findTask('niah')!.generate({ len, depth: 0.5, keys: 2 }, 3, tokenizer);

describe('the prompt view in tokens', () => {
	it('draws every byte token of a short prompt, the BOS by its label, and rebuilds the prompt', () => {
		const instance = niah(600, byteTokenizer);
		const items = promptTokens(instance, byteTokenizer)!;
		const drawn = tokens(items);
		expect(drawn).toHaveLength(instance.ids.length);
		// Runs alternate between plain text and whole needles or distractors, answers inside.
		expect(items.map((item) => ('mark' in item ? item.mark : 'skipped'))).toEqual([null, 'needle', null, 'distractor', null]);
		for (const item of items) if ('mark' in item && item.mark === 'needle') expect(item.tokens.some((t) => t.mark === 'answer')).toBe(true);
		expect(drawn[0]).toMatchObject({ index: 0, special: true, text: '', label: '<bos>' });
		expect(drawn.map((t) => t.text).join('')).toBe(instance.prompt);
		expect(drawn.map((t) => t.id)).toEqual(instance.ids);
	});

	it('cuts a character split over byte tokens at its last byte, so none is garbled', () => {
		const instance: Pick<TaskInstance, 'prompt' | 'ids' | 'needleSpans'> = { prompt: 'a✓b', ids: [byteTokenizer.bos, ...byteTokenizer.encode('a✓b')], needleSpans: [] };
		const drawn = tokens(promptTokens(instance, byteTokenizer)!);
		expect(drawn.map((t) => t.text)).toEqual(['', 'a', '', '', '✓', 'b']);
		expect(drawn.map((t) => t.label)).toEqual(['<bos>', 'a', '<0xE2>', '<0x9C>', '<0x93>', 'b']);
	});

	it.each(['llama3', 'gemma3'] as const)('shows the tokens of a real tokenizer (%s), marks included', (name) => {
		const tokenizer = lenmlTokenizer(name);
		const instance = niah(700, tokenizer);
		const drawn = tokens(promptTokens(instance, tokenizer)!);
		expect(drawn.map((t) => t.id)).toEqual(instance.ids);
		expect(drawn.filter((t) => !t.special).map((t) => t.text).join('')).toBe(instance.prompt);
		// Sub-word tokens: fewer tokens than characters, and the labels are the tokenizer's.
		expect(drawn.length).toBeLessThan(instance.prompt.length / 2);
		for (const t of drawn.slice(1, 40)) expect(t.label).toBe(tokenizer.label(t.id));
		const answer = instance.needleSpans.find((s) => s.kind === 'answer')!;
		const marked = drawn.filter((t) => t.mark === 'answer');
		expect(marked.map((t) => t.index)).toEqual(Array.from({ length: answer.end - answer.start }, (_, i) => answer.start + i));
		expect(marked.map((t) => t.text).join('')).toContain(answer.text);
		expect(drawn.some((t) => t.mark === 'needle')).toBe(true);
		expect(drawn.some((t) => t.mark === 'distractor')).toBe(true);
	});

	it('keeps the start, the end and the needles of a long prompt and counts the rest', () => {
		const instance = niah(20_000, byteTokenizer);
		const items = promptTokens(instance, byteTokenizer)!;
		const drawn = tokens(items);
		const skipped = items.reduce((n, item) => n + ('skipped' in item ? item.skipped : 0), 0);
		expect(drawn.length + skipped).toBe(instance.ids.length);
		expect(drawn.length).toBeLessThan(DRAWN_TOKENS);
		for (const span of instance.needleSpans) {
			for (let i = span.start; i < span.end; i++) expect(drawn.some((t) => t.index === i)).toBe(true);
		}
		expect(drawn[0].index).toBe(0);
		expect(drawn.at(-1)!.index).toBe(instance.ids.length - 1);
	});

	it('refuses to draw ids the tokenizer does not give back for the prompt', () => {
		expect(promptTokens({ prompt: 'abc', ids: [1, 2, 3], needleSpans: [] }, byteTokenizer)).toBeNull();
	});
});

describe('heatmap axis labels', () => {
	it('label every position once zoomed in, every few when wider, none when pooled-dense', () => {
		expect(axisTicks(100, 140, 512)).toEqual(Array.from({ length: 40 }, (_, i) => 100 + i));
		// 11 px per label on 512 px: 93 positions take every second one, aligned to its multiples.
		expect(axisTicks(301, 394, 512)).toEqual(Array.from({ length: 46 }, (_, i) => 302 + 2 * i));
		expect(axisTicks(0, 512, 512)).toEqual([]);
		expect(axisTicks(0, 40, 0)).toEqual([]);
		expect(axisTicks(0, 40, -70)).toEqual([]);
	});

	it('shows the model\'s own token labels, cut to fit', () => {
		const llama = lenmlTokenizer('llama3');
		// Llama 3 splits a number into groups of three digits, after a token of its own for the space.
		expect(llama.encode(' The 12345').map((id) => axisLabel(llama.label(id)))).toEqual(['␣The', '␣', '123', '45']);
		expect(axisLabel(llama.label(llama.encode('<|begin_of_text|>')[0]))).toBe('<|begin_o…');
		expect(axisLabel(byteTokenizer.label(10))).toBe('⏎');
	});
});
