/**
 * Passkey retrieval (LM-Infinite, Landmark Attention): a pass key hidden in repeated filler.
 * Needle and filler are LM-Infinite's `create_passkey_data.py` wording; the question follows
 * the catalog's G1 ("What is the pass key? The pass key is").
 */
import { createRng, deriveSeed } from '../random';
import type { Tokenizer } from '../tokenizers/types';
import { assembleHaystack, instanceOf, sentenceFiller } from './haystack';
import { checkParams } from './params';
import { randomDigits } from './text';
import type { TaskDefinition, TaskParams } from './types';

const params = {
	digits: { kind: 'int', label: 'Digits', description: 'Length of the pass key.', min: 1, max: 20, default: 5 }
} as const;

export const passkey: TaskDefinition = {
	id: 'passkey',
	name: 'Passkey',
	summary: 'A pass key hidden at a chosen depth in repeated filler; the model must repeat it.',
	params,
	generate(input: Partial<TaskParams>, seed: number, tokenizer: Tokenizer) {
		const p = checkParams('passkey', params, input);
		const key = randomDigits(createRng(deriveSeed(seed, 'passkey')), p.digits as number);
		const needle = ` The pass key is ${key}. Remember it. ${key} is the pass key.`;
		const built = assembleHaystack(
			{
				task: 'passkey',
				head: '',
				tail: '\nWhat is the pass key? The pass key is',
				needles: [{ text: needle, depth: p.depth, kind: 'needle', answers: [key] }],
				filler: sentenceFiller('repeat', seed)
			},
			p.len,
			tokenizer
		);
		return instanceOf('passkey', p.len, built, { answers: [key], completion: ` ${key}.`, scoring: 'exact' });
	}
};
