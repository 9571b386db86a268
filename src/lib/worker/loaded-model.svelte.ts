/** Which model the shared engine worker holds, for every page that uses it. */
import type { Tokenizer } from '../tokenizers';
import type { ModelSummary } from './protocol';

export const loadedModel: {
	summary: ModelSummary | null;
	name: string | null;
	/** The page's copy of the worker's tokenizer (token labels, prompt previews); null where the model brought none. */
	tokenizer: Tokenizer | null;
} = $state({ summary: null, name: null, tokenizer: null });
