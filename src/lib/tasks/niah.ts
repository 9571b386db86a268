/**
 * Multi-key needle in a haystack, after RULER's niah tasks: needles "One of the special magic
 * numbers for <key> is: <value>." with word keys and 7-digit values; one key is queried, the
 * others are distractors; several values per key make it RULER's multi-value variant.
 */
import { createRng, deriveSeed, distinct, type Rng } from '../random';
import type { Tokenizer } from '../tokenizers/types';
import { bookFiller, loadBooks, type Books } from './books';
import { assembleHaystack, instanceOf, sentenceFiller, type Needle } from './haystack';
import { HAYSTACK_PARAM, TEMPLATE_PARAM, checkParams } from './params';
import { randomDigits, wordKey } from './text';
import { TaskError, type TaskDefinition, type TaskParams } from './types';

const params = {
	keys: { kind: 'int', label: 'Keys', description: 'Needle keys in the haystack; all but one are distractors.', min: 1, max: 16, default: 2 },
	values: { kind: 'int', label: 'Values per key', description: 'More than one makes every value of the queried key required.', min: 1, max: 4, default: 1 },
	haystack: HAYSTACK_PARAM,
	template: TEMPLATE_PARAM
} as const;

function questions(query: string, plural: boolean, template: string) {
	const what = plural ? 'What are all the special magic numbers' : 'What is the special magic number';
	const answerIs = plural ? `The special magic numbers for ${query}` : `The special magic number for ${query}`;
	const verb = plural ? 'are' : 'is';
	if (template === 'ruler') {
		return {
			head: 'Some special magic numbers are hidden within the following text. Make sure to memorize it. I will quiz you about the numbers afterwards.\n',
			tail: `\n${what} for ${query} mentioned in the provided text? ${answerIs} mentioned in the provided text ${verb}`
		};
	}
	return { head: '', tail: `\n${what} for ${query}? ${answerIs} ${verb}:` };
}

function filler(haystack: string, seed: number, books: Books | undefined) {
	if (haystack !== 'books') return sentenceFiller(haystack as 'repeat' | 'essay', deriveSeed(seed, 'essay'));
	if (!books) throw new TaskError('niah: the books haystack has to be loaded before the prompt is written (taskInstance loads it).');
	return bookFiller(books, deriveSeed(seed, 'books'));
}

export const niah: TaskDefinition<Books | undefined> = {
	id: 'niah',
	name: 'Needle in a haystack (multi-key)',
	summary: 'RULER-style: magic numbers for several keys hidden in text; the model must give the queried key\'s number(s).',
	params,
	async load(input, texts) {
		return checkParams('niah', params, input).haystack === 'books' ? loadBooks(texts) : undefined;
	},
	generate(input: Partial<TaskParams>, seed: number, tokenizer: Tokenizer, books?: Books) {
		const p = checkParams('niah', params, input);
		const rng: Rng = createRng(deriveSeed(seed, 'niah'));
		const keyCount = p.keys as number;
		const valueCount = p.values as number;
		const keys = distinct(keyCount, () => wordKey(rng));
		const values = distinct(keyCount * valueCount, () => randomDigits(rng, 7));
		const query = keys[0];
		const needles: Needle[] = [];
		keys.forEach((key, k) => {
			for (let v = 0; v < valueCount; v++) {
				const value = values[k * valueCount + v];
				const queried = k === 0;
				needles.push({
					text: ` One of the special magic numbers for ${key} is: ${value}.`,
					depth: queried && v === 0 ? p.depth : rng.next(),
					kind: queried ? 'needle' : 'distractor',
					answers: queried ? [value] : []
				});
			}
		});
		const answers = values.slice(0, valueCount);
		const built = assembleHaystack(
			{
				task: 'niah',
				...questions(query, valueCount > 1, p.template as string),
				needles,
				filler: filler(p.haystack as string, seed, books)
			},
			p.len,
			tokenizer
		);
		const scoring = valueCount > 1 ? 'all' : 'exact';
		return instanceOf('niah', p.len, built, { answers, completion: ` ${answers.join(', ')}.`, scoring }, { query, keys });
	}
};
