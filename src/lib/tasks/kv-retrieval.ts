/**
 * Key–value retrieval (Needle Threading's single-needle form, Lost in the Middle's kv task):
 * a JSON-like object of random hex keys and values; the model must give one key's value.
 * Depth is where the queried pair sits in the object.
 */
import { createRng, deriveSeed, type Rng } from '../random';
import type { Tokenizer } from '../tokenizers/types';
import { assembleHaystack, instanceOf } from './haystack';
import { checkParams } from './params';
import { TaskError, type TaskDefinition, type TaskParams } from './types';

const params = {
	chars: { kind: 'int', label: 'Id length', unit: 'hex digits', description: 'Length of each key and value.', min: 2, max: 32, default: 8 }
} as const;

export function hexId(rng: Rng, chars: number): string {
	let id = '';
	for (let i = 0; i < chars; i++) id += rng.int(0, 15).toString(16);
	return id;
}

/** The task's text, shared with the trainer's many-question form of it. */
export const kvText = {
	head: 'JSON data:\n{',
	pair: (key: string, value: string) => `\n "${key}": "${value}",`,
	end: '\n}',
	question: (key: string) => `\nThe value of key "${key}" is "`,
	answer: (value: string) => `${value}"`
};

export const kvRetrieval: TaskDefinition = {
	id: 'kv-retrieval',
	name: 'Key–value retrieval',
	summary: 'A JSON-like list of random key → value pairs; the model must give the value of one key.',
	params,
	generate(input: Partial<TaskParams>, seed: number, tokenizer: Tokenizer) {
		const p = checkParams('kv-retrieval', params, input);
		const chars = p.chars as number;
		const rng = createRng(deriveSeed(seed, 'kv'));
		const key = hexId(rng, chars);
		const value = hexId(rng, chars);
		const built = assembleHaystack(
			{
				task: 'kv-retrieval',
				head: kvText.head,
				tail: kvText.end + kvText.question(key),
				needles: [{ text: kvText.pair(key, value), depth: p.depth, kind: 'needle', answers: [value] }],
				filler: () => {
					const fill = createRng(deriveSeed(seed, 'kv-filler'));
					const used = new Set([key]);
					return () => {
						// Short ids run out: 2 hex digits name 256 keys, fewer than a long prompt's pairs.
						if (used.size >= 16 ** chars) throw new TaskError(`Key–value retrieval with ${chars}-digit keys has only ${16 ** chars} distinct keys, too few to fill ${p.len} tokens: use longer keys (task.chars) or a shorter prompt.`);
						let other = hexId(fill, chars);
						while (used.has(other)) other = hexId(fill, chars);
						used.add(other);
						return kvText.pair(other, hexId(fill, chars));
					};
				},
				// Whitespace keeps the object well-formed where a cut pair would not.
				pad: (tokens) => ' '.repeat(tokens)
			},
			p.len,
			tokenizer
		);
		return instanceOf('kv-retrieval', p.len, built, { answers: [value], completion: kvText.answer(value), scoring: 'exact' }, { key });
	}
};
