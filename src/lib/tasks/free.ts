/** The user's own prompt: nothing to score, but the same result shape as every task. */
import type { Tokenizer } from '../tokenizers/types';
import { checkParams } from './params';
import { TaskError, type TaskDefinition, type TaskParams } from './types';

const params = {
	prompt: { kind: 'text', label: 'Prompt', maxLength: 200_000, default: 'Once upon a time' }
} as const;

export const freeText: TaskDefinition = {
	id: 'free',
	name: 'Free text',
	summary: 'Your own prompt: nothing is scored, every view still works.',
	params,
	generate(input: Partial<TaskParams>, _seed: number, tokenizer: Tokenizer) {
		const p = checkParams('free', params, input);
		const prompt = p.prompt as string;
		if (prompt.trim() === '') throw new TaskError('free: the prompt is empty; type some text to run.');
		const ids = [...(tokenizer.bos === null ? [] : [tokenizer.bos]), ...tokenizer.encode(prompt)];
		return {
			task: 'free',
			prompt,
			ids,
			answers: [],
			completion: '',
			scoring: 'none',
			needleSpans: [],
			meta: { requestedTokens: ids.length, tokens: ids.length, depth: null }
		};
	}
};
