/**
 * The "books" haystack: public-domain English prose (Thoreau, Emerson, Franklin, Darwin; see
 * static/haystack/README.md), a stand-in for RULER's Paul Graham essays, which are under
 * copyright. The seed picks the paragraph the haystack starts at; it then runs on in reading
 * order, sentence by sentence, through the next book after the last.
 */
import { createRng } from '../random';
import type { HaystackPlan } from './haystack';
import { splitSentences } from './prose';
import type { TextSource } from './texts';

export const BOOK_FILES = ['thoreau-walden.txt', 'emerson-essays-first-series.txt', 'franklin-autobiography.txt', 'darwin-origin-of-species.txt'] as const;

/** Every paragraph of the books in order, each as its sentences. */
export interface Books {
	paragraphs: string[][];
}

export function parseBooks(texts: readonly string[]): Books {
	const paragraphs = texts
		// A verse line break inside a paragraph reads as a space in running text (the README's advice).
		.flatMap((text) => text.split('\n\n').map((paragraph) => paragraph.replaceAll('\n', ' ').trim()))
		.filter((paragraph) => paragraph !== '')
		.map(splitSentences);
	return { paragraphs };
}

const loaded = new WeakMap<TextSource, Promise<Books>>();

/** About 2.3 MB, read once per source and only when a task asks for it. */
export function loadBooks(source: TextSource): Promise<Books> {
	let books = loaded.get(source);
	if (!books) {
		books = Promise.all(BOOK_FILES.map((file) => source.file(`haystack/${file}`))).then(parseBooks);
		loaded.set(source, books);
		books.catch(() => loaded.delete(source));
	}
	return books;
}

/** Sentences after a space; a paragraph's first after a blank line, as printed. */
export function bookFiller(books: Books, seed: number): HaystackPlan['filler'] {
	const { paragraphs } = books;
	return () => {
		let p = createRng(seed).int(0, paragraphs.length - 1);
		let s = 0;
		let first = true;
		return () => {
			const separator = first || s > 0 ? ' ' : '\n\n';
			const sentence = paragraphs[p][s];
			first = false;
			if (++s === paragraphs[p].length) {
				s = 0;
				p = (p + 1) % paragraphs.length;
			}
			return separator + sentence;
		};
	};
}
