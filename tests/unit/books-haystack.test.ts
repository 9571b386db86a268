import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BOOK_FILES, loadBooks, parseBooks } from '$lib/tasks/books';
import { taskInstance } from '$lib/tasks/instance';
import { findTask } from '$lib/tasks/registry';
import { splitSentences } from '$lib/tasks/prose';
import { cachedSource, defaultTexts, type TextSource } from '$lib/tasks/texts';
import { TaskError, type TaskInstance } from '$lib/tasks/types';
import { byteTokenizer } from '$lib/tokenizers/byte';
import type { Tokenizer } from '$lib/tokenizers/types';
import { lenmlTokenizer } from '../fixtures/hf-tokenizers';

const niah = findTask('niah')!;
const books = (len: number, depth: number, seed: number, tokenizer: Tokenizer = byteTokenizer, extra: Record<string, unknown> = {}) =>
	taskInstance(niah, { len, depth, haystack: 'books', ...extra } as never, seed, tokenizer);

/** The haystack's own words, without the needles and the question. */
const corpus = BOOK_FILES.map((file) => readFileSync(`static/haystack/${file}`, 'utf8').replaceAll('\n', ' ')).join(' ');

function expectSpansCover(instance: TaskInstance, tokenizer: Tokenizer) {
	const needles = instance.needleSpans.filter((s) => s.kind !== 'answer');
	expect(needles.length).toBeGreaterThan(0);
	for (const span of instance.needleSpans) {
		// Sub-word tokens at a span's edge may carry a neighbouring space or letter.
		expect(tokenizer.decode(instance.ids.slice(span.start, span.end))).toContain(span.text.trim());
		if (span.start + 1 < span.end) expect(tokenizer.decode(instance.ids.slice(span.start + 1, span.end - 1))).not.toContain(span.text.trim());
	}
}

describe('the books haystack', () => {
	it('ships the four files the provenance README names', () => {
		const digests = BOOK_FILES.map((file) => createHash('sha256').update(readFileSync(`static/haystack/${file}`)).digest('hex').slice(0, 16));
		expect(digests).toEqual(['c6d8ac9f4b15fb1a', '4ead75b03b04d98e', '997fae5214b47395', 'e549ae0a700a8e40']);
		expect(readFileSync('static/haystack/README.md', 'utf8')).toContain('public-domain');
	});

	it('reads every paragraph as sentences, in reading order', async () => {
		const { paragraphs } = await loadBooks(defaultTexts);
		expect(paragraphs.length).toBe(567 + 461 + 430 + 710);
		expect(paragraphs.slice(0, 2)).toEqual([['WALDEN'], ['Economy']]);
		expect(paragraphs.at(-1)!.at(-1)).toMatch(/most wonderful have been, and are being, evolved\.$/);
		for (const sentence of paragraphs.flat()) expect(sentence).not.toMatch(/^\s|\s$|\n/);
	});

	it('splits sentences at full stops but not after titles and initials', () => {
		expect(splitSentences('Mr. Denham took a store in Water-street. B. Franklin wrote it! "Why?" he asked.')).toEqual([
			'Mr. Denham took a store in Water-street.',
			'B. Franklin wrote it!',
			'"Why?" he asked.'
		]);
		expect(parseBooks(['One. Two.\n\nverse line\nnext line\n']).paragraphs).toEqual([['One.', 'Two.'], ['verse line next line']]);
	});

	it('reads each file once per source and tries again after a failure', async () => {
		const reads: string[] = [];
		let fail = true;
		const source = cachedSource({
			file: async (path) => {
				reads.push(path);
				if (fail) throw new TaskError('offline');
				return 'Some text. More text.';
			},
			document: async () => undefined
		});
		await expect(loadBooks(source)).rejects.toThrow('offline');
		fail = false;
		await loadBooks(source);
		await loadBooks(source);
		expect(reads).toHaveLength(2 * BOOK_FILES.length);
	});

	it('gives the same prompt for the same experiment and another start for another seed', async () => {
		const a = await books(2048, 0.5, 7);
		expect((await books(2048, 0.5, 7)).prompt).toBe(a.prompt);
		const other = await books(2048, 0.5, 8);
		expect(other.prompt).not.toBe(a.prompt);
		// The golden digest pins the corpus, its parsing and the seeded start on every machine.
		expect(createHash('sha256').update(a.prompt).digest('hex').slice(0, 16)).toMatchInlineSnapshot(`"b5669b191d6222cf"`);
	});

	it('is real text from the books around the needles', async () => {
		const instance = await books(4096, 0.3, 3);
		let prose = instance.prompt.slice(0, instance.prompt.lastIndexOf('\n'));
		for (const span of instance.needleSpans) prose = prose.replace(span.text, '');
		// Every whole sentence of the haystack is a sentence of the books.
		const sentences = splitSentences(prose.replaceAll('\n\n', ' ')).slice(1, -1);
		expect(sentences.length).toBeGreaterThan(10);
		for (const sentence of sentences) expect(corpus).toContain(sentence);
		expect(instance.prompt).not.toContain('The grass is green.');
	});

	it('hits the requested length exactly with the byte tokenizer and marks spans that decode to their text', async () => {
		for (const len of [512, 1000, 8192]) {
			for (const depth of [0, 0.5, 1]) {
				const instance = await books(len, depth, len + depth * 10, byteTokenizer, { keys: 3 });
				expect(instance.ids.length).toBe(len);
				for (const span of instance.needleSpans) expect(byteTokenizer.decode(instance.ids.slice(span.start, span.end))).toBe(span.text);
			}
		}
	});

	it.each(['llama3', 'gemma3'] as const)('maps needle spans to the tokens of a real tokenizer (%s)', async (name) => {
		const tokenizer = lenmlTokenizer(name);
		for (const [len, depth] of [[512, 0.2], [4096, 0.7]] as const) {
			const instance = await books(len, depth, 5, tokenizer, { keys: 2, template: 'ruler' });
			// A book's sentences are sub-word units: the length lands within one of them.
			expect(Math.abs(instance.ids.length - len)).toBeLessThan(64);
			expectSpansCover(instance, tokenizer);
			expect(instance.needleSpans.find((s) => s.kind === 'answer')!.text).toBe(instance.answers[0]);
		}
	});

	it('is refused with a clear message where nothing loaded it', () => {
		expect(() => niah.generate({ len: 512, depth: 0.5, haystack: 'books' }, 1, byteTokenizer)).toThrow(/books haystack has to be loaded/);
	});

	it('reports a haystack that cannot be fetched', async () => {
		const offline: TextSource = { file: async (path) => Promise.reject(new TaskError(`Could not load /${path}: HTTP 404.`)), document: async () => undefined };
		await expect(taskInstance(niah, { len: 512, depth: 0.5, haystack: 'books' }, 1, byteTokenizer, offline)).rejects.toThrow('Could not load /haystack/thoreau-walden.txt: HTTP 404.');
	});
});
