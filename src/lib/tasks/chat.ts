/**
 * The chat-template toggle every task has: the task's prompt becomes one user turn rendered with
 * the model's own template (tokenizer_config.json), ending with the header that opens the
 * assistant's turn, as instruct models are prompted. RULER scores chat models by whether each
 * answer appears in the reply; an assistant rarely starts with the bare value, so scoring moves
 * from `exact` to `all`.
 */
import { TaskError, type TaskDefinition, type TaskInstance } from './types';
import type { Tokenizer } from '../tokenizers/types';
import { tokensCovering } from './haystack';

export const CHAT_PARAM = {
	kind: 'bool',
	label: 'Chat template',
	description:
		"Wrap the prompt in the model's chat template as one user turn, opening the assistant's turn (for instruct models). Scored by whether the answer appears anywhere in the reply.",
	default: false
} as const;

/** Character ranges of an instance's token spans, read from the offsets of its own prompt. */
function charRanges(instance: TaskInstance, tokenizer: Tokenizer) {
	const { ids, offsets } = tokenizer.encodeWithOffsets(instance.prompt);
	const shift = instance.ids.length - ids.length;
	const charAt = (token: number) => (token - shift < offsets.length ? offsets[token - shift] : instance.prompt.length);
	return instance.needleSpans.map((span) => ({ from: charAt(span.start), to: charAt(span.end) }));
}

export function inChat(instance: TaskInstance, tokenizer: Tokenizer): TaskInstance {
	if (!tokenizer.chat) throw new TaskError(`${tokenizer.name} has no chat template (a base model): turn "Chat template" off.`);
	const prompt = tokenizer.chat.render([{ role: 'user', content: instance.prompt }], { addGenerationPrompt: true });
	const at = prompt.indexOf(instance.prompt);
	if (at < 0) throw new TaskError(`${tokenizer.name}'s chat template rewrites the prompt, so the needle cannot be found in it.`);
	const ranges = charRanges(instance, tokenizer);
	// Templates write their own BOS; transformers encodes the rendered text without adding another.
	const { ids, offsets } = tokenizer.encodeWithOffsets(prompt);
	const needleSpans = instance.needleSpans.map((span, i) => ({ ...span, ...tokensCovering(offsets, at + ranges[i].from, at + ranges[i].to) }));
	// What an assistant writes: the prompt's closing lead-in ("The pass key is"), then the answer.
	const lead = instance.prompt.slice(instance.prompt.lastIndexOf('\n') + 1).split('? ').pop() ?? '';
	return {
		...instance,
		prompt,
		ids,
		needleSpans,
		completion: `${lead.trim()}${instance.completion}`,
		scoring: instance.scoring === 'exact' ? 'all' : instance.scoring,
		meta: { ...instance.meta, tokens: ids.length, chat: true }
	};
}

/** The task with the chat toggle among its parameters. */
export function withChatToggle<Loaded>(task: TaskDefinition<Loaded>): TaskDefinition<Loaded> {
	return {
		...task,
		params: { ...task.params, chat: CHAT_PARAM },
		generate(input, seed, tokenizer, loaded) {
			const { chat, ...rest } = input;
			const instance = task.generate(rest as typeof input, seed, tokenizer, loaded);
			return chat === true ? inChat(instance, tokenizer) : instance;
		}
	};
}
