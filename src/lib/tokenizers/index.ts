import type { ModelConfig } from '../engine/config';
import { byteTokenizer } from './byte';
import type { Tokenizer } from './types';

export type { Tokenizer } from './types';

/** The tokenizer a model declares, or null when the lab cannot tokenize text for it yet. */
export function tokenizerFor(config: ModelConfig): Tokenizer | null {
	return config.tokenizer === 'bytes' ? byteTokenizer : null;
}
