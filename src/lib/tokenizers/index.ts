import { byteTokenizer } from './byte';
import type { Tokenizer } from './types';

export type { Tokenizer } from './types';
export { TokenizerError } from './errors';
export { loadHfTokenizer, type HfTokenizer, type HfTokenizerFiles } from './hf';
export type { SpecialTokens } from './hf-config';
export type { ChatTemplate, ChatMessage, ChatRenderOptions } from './chat';

/**
 * The tokenizer a model declares, or null when the lab cannot tokenize text for it yet. Typed by
 * the one field it reads, so this folder does not depend on the engine's config.
 */
export function tokenizerFor(config: { tokenizer: string | null }): Tokenizer | null {
	return config.tokenizer === 'bytes' ? byteTokenizer : null;
}
