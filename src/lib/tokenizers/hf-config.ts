/**
 * What the lab reads from a tokenizer_config.json: the special tokens by name, whether the model's
 * tokenizer adds BOS, and the chat template. Fields are checked here so a bad file fails with a
 * message naming the field rather than somewhere deep in a library.
 */
import { TokenizerError } from './errors';
import { isRecord } from './json';

/** Special tokens as text (the chat template writes them into the prompt), null where absent. */
export interface SpecialTokens {
	bos: string | null;
	eos: string | null;
	pad: string | null;
	unk: string | null;
	additional: string[];
}

export interface TokenizerConfig {
	special: SpecialTokens;
	/** add_bos_token when the file sets it; null leaves the choice to tokenizer.json's post-processor. */
	addBos: boolean | null;
	chatTemplate: string | null;
}

/** A token written as text or, in older files, as a serialised AddedToken ({ content, … }). */
function tokenText(value: unknown, field: string): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value === 'string') return value;
	if (isRecord(value) && typeof value.content === 'string') return value.content;
	throw new TokenizerError(`tokenizer_config.json: ${field} must be a token (text or { content }), not ${JSON.stringify(value)}.`);
}

function chatTemplateOf(value: unknown): string | null {
	if (value === undefined || value === null || typeof value === 'string') return value ?? null;
	// Some repos list named templates ("default", "tool_use", "rag"); transformers uses "default".
	if (Array.isArray(value) && value.every((t) => isRecord(t) && typeof t.name === 'string' && typeof t.template === 'string')) {
		const named = value as { name: string; template: string }[];
		const chosen = named.find((t) => t.name === 'default');
		if (chosen) return chosen.template;
		throw new TokenizerError(`tokenizer_config.json: chat_template lists ${named.map((t) => `"${t.name}"`).join(', ')} but no "default" template.`);
	}
	throw new TokenizerError('tokenizer_config.json: chat_template must be a template text or a list of { name, template }.');
}

export function readTokenizerConfig(config: unknown, chatTemplate?: string): TokenizerConfig {
	if (config === undefined || config === null) config = {};
	if (!isRecord(config)) throw new TokenizerError('tokenizer_config.json is not a JSON object.');
	const additional = config.additional_special_tokens ?? [];
	if (!Array.isArray(additional)) throw new TokenizerError('tokenizer_config.json: additional_special_tokens must be a list.');
	const addBos = config.add_bos_token ?? null;
	if (addBos !== null && typeof addBos !== 'boolean') throw new TokenizerError('tokenizer_config.json: add_bos_token must be true or false.');
	return {
		special: {
			bos: tokenText(config.bos_token, 'bos_token'),
			eos: tokenText(config.eos_token, 'eos_token'),
			pad: tokenText(config.pad_token, 'pad_token'),
			unk: tokenText(config.unk_token, 'unk_token'),
			additional: additional.flatMap((token, i) => tokenText(token, `additional_special_tokens[${i}]`) ?? [])
		},
		addBos,
		chatTemplate: chatTemplate ?? chatTemplateOf(config.chat_template)
	};
}
