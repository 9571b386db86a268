/** A task's instance with whatever it reads loaded first: what runs and the prompt view call. */
import type { Tokenizer } from '../tokenizers/types';
import { defaultTexts, type TextSource } from './texts';
import type { TaskDefinition, TaskInstance, TaskParams } from './types';

export async function taskInstance(task: TaskDefinition, params: TaskParams, seed: number, tokenizer: Tokenizer, texts: TextSource = defaultTexts): Promise<TaskInstance> {
	const loaded = await task.load?.(params, texts);
	return task.generate(params, seed, tokenizer, loaded);
}
