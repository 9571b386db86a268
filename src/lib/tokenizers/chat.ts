/**
 * Chat templates: tokenizer_config.json's `chat_template`, rendered with @huggingface/jinja (the
 * hub's own Jinja implementation, with transformers' trim_blocks and lstrip_blocks) and the
 * variables transformers' apply_chat_template passes: the messages, add_generation_prompt and
 * the special tokens by name.
 *
 * The rendered text usually begins with the template's own BOS; encode it with `encode` and do
 * not prepend the tokenizer's `bos` again (transformers encodes it without special tokens too).
 */
import { Template } from '@huggingface/jinja';
import { TokenizerError } from './errors';
import type { SpecialTokens } from './hf-config';

export interface ChatMessage {
	role: 'system' | 'user' | 'assistant' | (string & {});
	content: string;
}

export interface ChatRenderOptions {
	/** End with the header that opens the assistant's turn, so the model writes the answer next. */
	addGenerationPrompt?: boolean;
	/**
	 * The day templates that print today's date see (Llama 3.1+ via strftime_now). A fixed day by
	 * default, so the same experiment renders the same prompt on any day and machine.
	 */
	now?: Date;
	/** Further template variables, e.g. Qwen3's enable_thinking. */
	variables?: Record<string, unknown>;
}

/** The day Llama 3.2's template writes when it has no clock. */
const DEFAULT_NOW = new Date(Date.UTC(2024, 6, 26));

/**
 * @huggingface/jinja declares strftime_now itself (reading the machine's clock, time zone and
 * locale) and refuses a variable of the same name, so templates call ours under this name.
 */
const CLOCK = 'longscope_strftime_now';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Python's strftime for the fields templates use, in UTC and English on every machine. */
function strftime(date: Date, format: string): string {
	const pad = (n: number) => String(n).padStart(2, '0');
	const fields: Record<string, string> = {
		'%Y': String(date.getUTCFullYear()),
		'%m': pad(date.getUTCMonth() + 1),
		'%d': pad(date.getUTCDate()),
		'%B': MONTHS[date.getUTCMonth()],
		'%b': MONTHS[date.getUTCMonth()].slice(0, 3),
		'%H': pad(date.getUTCHours()),
		'%M': pad(date.getUTCMinutes()),
		'%%': '%'
	};
	return format.replace(/%[YmdBbHM%]/g, (field) => fields[field]);
}

export class ChatTemplate {
	#compiled: Template | null = null;

	constructor(
		readonly source: string,
		private readonly special: SpecialTokens
	) {}

	/** The prompt for a conversation, as the model's tokenizer would write it. */
	render(messages: readonly ChatMessage[], options: ChatRenderOptions = {}): string {
		const now = options.now ?? DEFAULT_NOW;
		try {
			return this.#template().render({
				...options.variables,
				messages: messages.map(({ role, content }) => ({ role, content })),
				add_generation_prompt: options.addGenerationPrompt ?? false,
				bos_token: this.special.bos ?? '',
				eos_token: this.special.eos ?? '',
				pad_token: this.special.pad ?? '',
				unk_token: this.special.unk ?? '',
				additional_special_tokens: this.special.additional,
				[CLOCK]: (format: string) => strftime(now, format)
			});
		} catch (error) {
			if (error instanceof TokenizerError) throw error;
			// raise_exception in a template lands here too, with the template's own words.
			throw new TokenizerError(`The chat template cannot render this conversation: ${(error as Error).message}`);
		}
	}

	/**
	 * Parsed on first use, so a template using Jinja this implementation lacks still leaves the
	 * tokenizer usable for plain prompts.
	 */
	#template(): Template {
		if (!this.#compiled) {
			try {
				this.#compiled = new Template(this.source.replace(/\bstrftime_now\b/g, CLOCK));
			} catch (error) {
				throw new TokenizerError(`The chat template does not parse: ${(error as Error).message}`);
			}
		}
		return this.#compiled;
	}
}
