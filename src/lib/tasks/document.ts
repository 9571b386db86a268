/**
 * "Your document": the user's text, question and expected answer, scored as the needle tasks
 * are. The prompt is the whole document (its own length: the context-length field does not cut
 * it). Where the answer occurs in the document, the sentence around it is the needle, so the
 * heatmap and the retrieval-head score see where the evidence is.
 */
import type { Tokenizer } from '../tokenizers/types';
import { documentHash, documentProblem, INLINE_DOCUMENT_CHARS, referencedHash, shortHash } from './documents';
import { tokensCovering } from './haystack';
import { TEMPLATE_PARAM, checkParams } from './params';
import { sentenceAround } from './prose';
import { TaskError, type TaskDefinition, type TaskParams, type TokenSpan } from './types';

const WALDEN =
	'I have thus a tight shingled and plastered house, ten feet wide by fifteen long, and eight-feet posts, with a garret and a closet, a large window on each side, two trap doors, one door at the end, and a brick fireplace opposite.\n\n(Henry David Thoreau, Walden, 1854)';

const params = {
	doc: {
		kind: 'text',
		label: 'Document',
		description: `Paste or upload a text. A short one rides in the link (up to ${INLINE_DOCUMENT_CHARS.toLocaleString('en-US')} characters as a link writes them, a space taking three); a longer one is kept in this browser and the link names it by its content hash (sha256:…).`,
		maxLength: INLINE_DOCUMENT_CHARS,
		document: true,
		default: WALDEN
	},
	question: { kind: 'text', label: 'Question', maxLength: 1000, default: 'How many feet wide was the house?' },
	answer: {
		kind: 'text',
		label: 'Expected answer',
		description: 'One word or number must begin the output (as a pass key must); a longer answer must appear in it, as whole words.',
		maxLength: 200,
		default: 'ten'
	},
	template: TEMPLATE_PARAM
} as const;

const RULER_INSTRUCTION = 'Answer the question based on the given documents. Only give me the answer and do not output any other words.';

/** RULER's qa template, or a compact one for small models. */
function wording(template: string, question: string) {
	if (template === 'ruler') {
		return { head: `${RULER_INSTRUCTION}\n\nThe following are given documents.\n\n`, tail: `\n\n${RULER_INSTRUCTION}\n\nQuestion: ${question} Answer:` };
	}
	return { head: '', tail: `\n\nQuestion: ${question}\nAnswer:` };
}

const VALUE = /^[\p{L}\p{N}_-]+$/u;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The first occurrence of the answer as whole words, ignoring case (as scoring does). */
function findAnswer(text: string, answer: string): { from: number; to: number } | null {
	const match = new RegExp(`(?<![\\p{L}\\p{N}_-])${escape(answer)}(?![\\p{L}\\p{N}_-])`, 'iu').exec(text);
	return match ? { from: match.index, to: match.index + match[0].length } : null;
}

/** The document's text: the parameter itself, or the stored text its hash names. */
function documentText(value: string, stored: string | undefined): string {
	const hash = referencedHash(value);
	if (hash === null) return value;
	if (stored === undefined) {
		throw new TaskError(
			`document: the link names a document by its content hash (${shortHash(hash)}), which is not stored here: long documents stay in the browser that stored them. Paste or upload the same text again (the same text has the same hash), or another one.`
		);
	}
	if (documentHash(stored) !== hash) throw new TaskError(`document: the text stored as ${shortHash(hash)} has changed; paste or upload it again.`);
	return stored;
}

export const yourDocument: TaskDefinition<string | undefined> = {
	id: 'document',
	name: 'Your document',
	summary: 'Your own text, question and expected answer, scored as the needle tasks are; the prompt is the whole document.',
	params,
	async load(input, texts) {
		const hash = referencedHash(checkParams('document', params, input).doc as string);
		return hash === null ? undefined : texts.document(hash);
	},
	generate(input: Partial<TaskParams>, _seed: number, tokenizer: Tokenizer, stored?: string) {
		const p = checkParams('document', params, input);
		const text = documentText(p.doc as string, stored);
		const question = (p.question as string).trim();
		const answer = (p.answer as string).trim();
		const problem = documentProblem(text);
		if (problem) throw new TaskError(`document: ${problem[0].toLowerCase()}${problem.slice(1)}`);
		if (question === '') throw new TaskError('document: the question is empty; write what the model should answer from the document.');
		if (answer === '') throw new TaskError('document: the expected answer is empty; write the answer the output is scored against.');

		const { head, tail } = wording(p.template as string, question);
		const prompt = head + text + tail;
		const { ids, offsets } = tokenizer.encodeWithOffsets(prompt);
		const bos = tokenizer.bos === null ? [] : [tokenizer.bos];
		const needleSpans: TokenSpan[] = [];
		const found = findAnswer(text, answer);
		let depth: number | null = null;
		if (found) {
			const sentence = sentenceAround(text, found.from, found.to);
			const span = (from: number, to: number) => tokensCovering(offsets, head.length + from, head.length + to, bos.length);
			const needle = span(sentence.start, sentence.end);
			needleSpans.push({ ...needle, kind: 'needle', text: text.slice(sentence.start, sentence.end) });
			needleSpans.push({ ...span(found.from, found.to), kind: 'answer', text: text.slice(found.from, found.to) });
			depth = found.from / text.length;
		}
		const all = [...bos, ...ids];
		return {
			task: 'document',
			prompt,
			ids: all,
			answers: [answer],
			completion: ` ${answer}`,
			scoring: VALUE.test(answer) ? 'exact' : 'all',
			needleSpans,
			meta: { requestedTokens: all.length, tokens: all.length, depth, stored: referencedHash(p.doc as string) !== null }
		};
	}
};
