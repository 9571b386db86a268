/**
 * Sentences of English prose, so a needle goes between sentences of a book and a document's
 * answer is marked with the sentence that holds it. A full stop ends a sentence when a capital,
 * digit or opening quote follows, unless it ends a title ("Mr.") or an initial ("B. Franklin").
 */
const END = /[.!?]['"”’)\]]*\s+(?=['"“‘([]?[A-Z0-9])/g;
const ABBREVIATIONS = new Set(['mr', 'mrs', 'messrs', 'dr', 'st', 'jr', 'sr', 'esq', 'capt', 'col', 'gen', 'rev', 'prof', 'viz', 'vol', 'no', 'ch']);

function endsAbbreviation(text: string, stop: number): boolean {
	const word = /[\p{L}]+$/u.exec(text.slice(Math.max(0, stop - 12), stop))?.[0] ?? '';
	return ABBREVIATIONS.has(word.toLowerCase()) || /^\p{Lu}$/u.test(word);
}

/** Where each sentence after the first starts (UTF-16 indices, ascending). */
export function sentenceStarts(text: string): number[] {
	const starts: number[] = [];
	for (const match of text.matchAll(END)) {
		if (text[match.index] === '.' && endsAbbreviation(text, match.index)) continue;
		starts.push(match.index + match[0].length);
	}
	return starts;
}

/** The sentences of a paragraph, without the spaces between them. */
export function splitSentences(paragraph: string): string[] {
	const bounds = [0, ...sentenceStarts(paragraph), paragraph.length];
	const out: string[] = [];
	for (let i = 0; i + 1 < bounds.length; i++) {
		const sentence = paragraph.slice(bounds[i], bounds[i + 1]).trim();
		if (sentence) out.push(sentence);
	}
	return out;
}

/** The [start, end) of the sentence around the characters [from, to); a line break ends one too. */
export function sentenceAround(text: string, from: number, to: number): { start: number; end: number } {
	const starts = sentenceStarts(text);
	const start = Math.max(starts.filter((s) => s <= from).pop() ?? 0, text.lastIndexOf('\n', from - 1) + 1);
	const lineEnd = text.indexOf('\n', to);
	const next = Math.min(starts.find((s) => s >= to) ?? text.length, lineEnd < 0 ? text.length : lineEnd);
	return { start, end: start + text.slice(start, next).trimEnd().length };
}
