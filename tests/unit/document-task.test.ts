import { describe, expect, it } from 'vitest';
import { catalog, decodeQuery, defaultExperiment, encodeQuery, experimentHash, type Experiment } from '$lib/experiment';
import { INLINE_DOCUMENT_CHARS, MAX_DOCUMENT_CHARS, documentHash, documentParam, fitsInLink, type DocumentStore } from '$lib/tasks/documents';
import { taskInstance } from '$lib/tasks/instance';
import { findTask } from '$lib/tasks/registry';
import { scoreOutput } from '$lib/tasks/score';
import type { TextSource } from '$lib/tasks/texts';
import { TaskError, type TaskInstance } from '$lib/tasks/types';
import { byteTokenizer } from '$lib/tokenizers/byte';
import type { Tokenizer } from '$lib/tokenizers/types';
import { lenmlTokenizer } from '../fixtures/hf-tokenizers';

const task = findTask('document')!;
const DOC = 'The ferry leaves the north pier at 7:40.\nTickets cost 12 crowns. The harbour master is Ingrid Solberg, who keeps the keys.';

function memoryStore(): DocumentStore & TextSource {
	const kept = new Map<string, string>();
	return {
		get: async (hash) => kept.get(hash),
		put: async (hash, text) => void kept.set(hash, text),
		document: async (hash) => kept.get(hash),
		file: async () => {
			throw new Error('no files here');
		}
	};
}

const instance = (params: Record<string, unknown>, tokenizer: Tokenizer = byteTokenizer, texts: TextSource = memoryStore()) =>
	taskInstance(task, { len: 512, depth: 0.5, ...params } as never, 1, tokenizer, texts);

const spanText = (inst: TaskInstance, kind: string, tokenizer: Tokenizer) => {
	const span = inst.needleSpans.find((s) => s.kind === kind)!;
	return tokenizer.decode(inst.ids.slice(span.start, span.end));
};

describe('the "your document" task', () => {
	it('asks the question after the whole document and marks the sentence that holds the answer', async () => {
		const inst = await instance({ doc: DOC, question: 'What do tickets cost?', answer: '12 crowns' });
		expect(inst.prompt).toBe(`${DOC}\n\nQuestion: What do tickets cost?\nAnswer:`);
		expect(inst.ids).toEqual([byteTokenizer.bos, ...byteTokenizer.encode(inst.prompt)]);
		expect(spanText(inst, 'needle', byteTokenizer)).toBe('Tickets cost 12 crowns.');
		expect(spanText(inst, 'answer', byteTokenizer)).toBe('12 crowns');
		expect(inst.meta.tokens).toBe(inst.ids.length);
		expect(inst.meta.depth).toBeCloseTo(DOC.indexOf('12 crowns') / DOC.length);
	});

	it('uses RULER\'s qa wording when asked', async () => {
		const inst = await instance({ doc: DOC, question: 'Who keeps the keys?', answer: 'Ingrid Solberg', template: 'ruler' });
		expect(inst.prompt.startsWith('Answer the question based on the given documents.')).toBe(true);
		expect(inst.prompt.endsWith('Question: Who keeps the keys? Answer:')).toBe(true);
	});

	it('scores as the needle tasks do: one value must begin the output, a phrase must appear in it', async () => {
		const one = await instance({ doc: DOC, question: 'When does the ferry leave?', answer: '7:40' });
		// "7:40" is not one value (a colon), so it must appear whole.
		expect(one.scoring).toBe('all');
		const word = await instance({});
		expect(word.scoring).toBe('exact');
		expect(word.answers).toEqual(['ten']);
		expect(scoreOutput(word, ' ten feet wide')).toEqual({ scored: true, correct: true, partial: 1 });
		expect(scoreOutput(word, ' Ten.').correct).toBe(true);
		expect(scoreOutput(word, ' often').correct).toBe(false);
		const phrase = await instance({ doc: DOC, question: 'Who keeps the keys?', answer: 'Ingrid Solberg' });
		expect(scoreOutput(phrase, ' The harbour master, Ingrid Solberg.').correct).toBe(true);
		expect(scoreOutput(phrase, ' Ingrid').correct).toBe(false);
		expect(scoreOutput(phrase, phrase.completion).correct).toBe(true);
	});

	it('finds the answer as whole words, ignoring case, and leaves spans out when the document lacks it', async () => {
		const inst = await instance({ doc: 'Often the gate is shut. Ten men guard it.', question: 'How many men?', answer: 'ten' });
		expect(spanText(inst, 'answer', byteTokenizer)).toBe('Ten');
		expect(spanText(inst, 'needle', byteTokenizer)).toBe('Ten men guard it.');
		const absent = await instance({ doc: DOC, question: 'What colour is the ferry?', answer: 'red' });
		expect(absent.needleSpans).toEqual([]);
		expect(absent.meta.depth).toBeNull();
	});

	it.each(['llama3', 'gpt2'] as const)('maps the answer to the tokens of a real tokenizer (%s)', async (name) => {
		const tokenizer = lenmlTokenizer(name);
		const inst = await instance({ doc: DOC, question: 'Who keeps the keys?', answer: 'Ingrid Solberg' }, tokenizer);
		expect(inst.ids.slice(tokenizer.bos === null ? 0 : 1)).toEqual(tokenizer.encode(inst.prompt));
		expect(spanText(inst, 'answer', tokenizer).trim()).toBe('Ingrid Solberg');
		expect(spanText(inst, 'needle', tokenizer).trim()).toBe('The harbour master is Ingrid Solberg, who keeps the keys.');
	});

	it('rides in the link: a round trip gives the same experiment, hash and prompt', async () => {
		const doc = 'Zeile 1: Ünïcode ✓ & ?=#%\n\n  spaced  line 🙂\tend';
		const experiment: Experiment = { ...defaultExperiment(catalog), task: { id: 'document', params: { doc, question: 'Was steht da?', answer: 'Zeile', template: 'compact', chat: false } } };
		const query = encodeQuery(experiment, catalog);
		expect(query).toContain('task=document&task.doc=');
		const decoded = decodeQuery(query, catalog);
		expect(decoded.problems).toEqual([]);
		expect(decoded.experiment).toEqual(experiment);
		expect(experimentHash(decoded.experiment)).toBe(experimentHash(experiment));
		expect((await instance(decoded.experiment.task.params)).prompt).toBe((await instance(experiment.task.params)).prompt);
	});

	it('keeps a long document in the store and names it by content hash in the link', async () => {
		const store = memoryStore();
		const short = await documentParam(DOC, store);
		expect(short).toEqual({ value: DOC, stored: false });
		const long = `${DOC}\n\n${'A line of filler prose for the long document. '.repeat(200)}`;
		const kept = await documentParam(long, store);
		expect(kept).toEqual({ value: `sha256:${documentHash(long)}`, stored: true });
		expect(await store.get(documentHash(long))).toBe(long);

		const experiment: Experiment = { ...defaultExperiment(catalog), task: { id: 'document', params: { doc: kept.value, question: 'What do tickets cost?', answer: '12 crowns', template: 'compact' } } };
		const decoded = decodeQuery(encodeQuery(experiment, catalog), catalog);
		expect(decoded.problems).toEqual([]);
		const inst = await instance(decoded.experiment.task.params, byteTokenizer, store);
		expect(inst.prompt.startsWith(long)).toBe(true);
		expect(inst.meta.stored).toBe(true);
		expect(spanText(inst, 'answer', byteTokenizer)).toBe('12 crowns');
	});

	it('says clearly when a link names a document this browser does not have, or one that changed', async () => {
		const hash = documentHash('a document stored elsewhere');
		await expect(instance({ doc: `sha256:${hash}` })).rejects.toThrow(
			`the link names a document by its content hash (sha256:${hash.slice(0, 12)}…), which is not stored here`
		);
		const store = memoryStore();
		await store.put(hash, 'another text');
		await expect(instance({ doc: `sha256:${hash}` }, byteTokenizer, store)).rejects.toThrow(/has changed; paste or upload it again/);
	});

	it('puts a document into a link only where the encoded link stays short', async () => {
		expect(fitsInLink('a'.repeat(INLINE_DOCUMENT_CHARS))).toBe(true);
		expect(fitsInLink('a'.repeat(INLINE_DOCUMENT_CHARS + 1))).toBe(false);
		// A space takes three characters in a link (%20), each of these nine.
		expect(fitsInLink(' '.repeat(INLINE_DOCUMENT_CHARS / 3))).toBe(true);
		expect(fitsInLink(' '.repeat(INLINE_DOCUMENT_CHARS / 3 + 1))).toBe(false);
		expect(fitsInLink('語'.repeat(700))).toBe(false);
		expect(fitsInLink('a\ud800b')).toBe(false);
		expect((await documentParam('語'.repeat(700), memoryStore())).stored).toBe(true);
		// A text that looks like a reference is stored, so it is never read as one.
		const lookalike = `sha256:${'0'.repeat(64)}`;
		expect((await documentParam(lookalike, memoryStore())).stored).toBe(true);
	});
});

describe('bad documents', () => {
	it.each([
		[{ doc: '  \n ' }, /document: the document is empty: paste or upload a text/],
		[{ doc: 'page 1\u0000\u0000PK' }, /document: the document does not look like text/],
		[{ question: ' ' }, /document: the question is empty/],
		[{ answer: '' }, /document: the expected answer is empty/],
		[{ template: 'chatty' }, /"template" is "chatty", which must be one of compact, ruler/]
	])('%j fails clearly', async (params, message) => {
		await expect(instance(params)).rejects.toThrow(TaskError);
		await expect(instance(params)).rejects.toThrow(message);
	});

	it('refuses a huge paste before storing it, and says what the limit is', async () => {
		const store = memoryStore();
		const huge = 'x'.repeat(MAX_DOCUMENT_CHARS + 1);
		await expect(documentParam(huge, store)).rejects.toThrow('The document has 1,000,001 characters; the lab takes documents of up to 1,000,000');
		expect(await store.get(documentHash(huge))).toBeUndefined();
		await expect(documentParam('', store)).rejects.toThrow('The document is empty');
	});

	it('explains a store that refuses the document (quota, private window)', async () => {
		const full: DocumentStore = { get: async () => undefined, put: async () => Promise.reject(new Error('QuotaExceededError')) };
		await expect(documentParam('b'.repeat(INLINE_DOCUMENT_CHARS + 10), full)).rejects.toThrow(/would not store the document \(QuotaExceededError\).*too long for a link/);
	});

	it('reports a document too long for a link', () => {
		const { problems } = decodeQuery(`task=document&task.doc=${'z'.repeat(INLINE_DOCUMENT_CHARS + 1)}`, catalog);
		expect(problems[0].message).toMatch(/"task.doc" is .*which must be at most 6000 characters; using the default/);
	});
});
