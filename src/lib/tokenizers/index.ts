import { byteTokenizer } from './byte';
import { TokenizerError } from './errors';
import { loadHfTokenizer } from './hf';
import type { Tokenizer } from './types';

export type { Tokenizer } from './types';
export { TokenizerError } from './errors';
export { loadHfTokenizer, type HfTokenizer, type HfTokenizerFiles } from './hf';
export type { SpecialTokens } from './hf-config';
export type { ChatTemplate, ChatMessage, ChatRenderOptions } from './chat';

/**
 * The tokenizer a model declares, or null when the lab cannot tokenize text for it without its
 * files. Typed by the one field it reads, so this folder does not depend on the engine's config.
 */
export function tokenizerFor(config: { tokenizer: string | null }): Tokenizer | null {
	return config.tokenizer === 'bytes' ? byteTokenizer : null;
}

/** A model's files as text (a hub snapshot, a model directory); null where the model has no such file. */
export interface TokenizerFiles {
	text(file: string): Promise<string | null>;
}

function parse(text: string, file: string): unknown {
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new TokenizerError(`${file} is not valid JSON (${(error as Error).message}).`);
	}
}

/**
 * The tokenizer a model runs with: the declared one, else its own tokenizer.json (with
 * tokenizer_config.json and chat_template.jinja where present), else null.
 */
export async function modelTokenizer(config: { tokenizer: string | null }, files: TokenizerFiles, name: string): Promise<Tokenizer | null> {
	const declared = tokenizerFor(config);
	if (declared) return declared;
	const [tokenizer, settings, chatTemplate] = await Promise.all(['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja'].map((file) => files.text(file)));
	if (tokenizer === null) return null;
	return loadHfTokenizer(
		{ tokenizer: parse(tokenizer, 'tokenizer.json'), config: settings === null ? undefined : parse(settings, 'tokenizer_config.json'), chatTemplate: chatTemplate ?? undefined },
		name
	);
}
