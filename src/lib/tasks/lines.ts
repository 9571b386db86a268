/**
 * Line retrieval (LongChat-Lines, used by Giraffe): labelled lines
 * "line <label>: REGISTER_CONTENT is <number>"; the model must give one line's number.
 * Labels are adjective-noun words as in LongChat, or distinct random numbers.
 */
import { createRng, deriveSeed, type Rng } from '../random';
import type { Tokenizer } from '../tokenizers/types';
import { assembleHaystack, instanceOf } from './haystack';
import { checkParams } from './params';
import { wordKey } from './text';
import type { TaskDefinition, TaskParams } from './types';

const params = {
	labels: { kind: 'enum', label: 'Line labels', options: ['words', 'numbers'], default: 'words' }
} as const;

const line = (label: string, value: string) => `\nline ${label}: REGISTER_CONTENT is <${value}>`;
const content = (rng: Rng) => String(rng.int(10000, 99999));

export const lines: TaskDefinition = {
	id: 'lines',
	name: 'Line retrieval',
	summary: 'LongChat-Lines: many labelled lines, each holding a number; the model must give one line\'s number.',
	params,
	generate(input: Partial<TaskParams>, seed: number, tokenizer: Tokenizer) {
		const p = checkParams('lines', params, input);
		const drawLabel = (rng: Rng) => (p.labels === 'words' ? wordKey(rng) : String(rng.int(1, 99999)));
		const rng = createRng(deriveSeed(seed, 'lines'));
		const label = drawLabel(rng);
		const value = content(rng);
		const built = assembleHaystack(
			{
				task: 'lines',
				head: '',
				tail: `\nWhat is the REGISTER_CONTENT in line ${label}? The REGISTER_CONTENT in line ${label} is <`,
				needles: [{ text: line(label, value), depth: p.depth, kind: 'needle', answers: [value] }],
				filler: () => {
					const fill = createRng(deriveSeed(seed, 'lines-filler'));
					const used = new Set([label]);
					return () => {
						let other = drawLabel(fill);
						// Word labels run out (4 096 pairs); then a numeric suffix keeps them distinct.
						for (let n = 2; used.has(other); n++) other = `${drawLabel(fill)}-${n}`;
						used.add(other);
						return line(other, content(fill));
					};
				},
				pad: (tokens) => ' '.repeat(tokens)
			},
			p.len,
			tokenizer
		);
		return instanceOf('lines', p.len, built, { answers: [value], completion: `${value}>`, scoring: 'exact' }, { label });
	}
};
