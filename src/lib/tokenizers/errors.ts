/** A tokenizer's files cannot be used, or its chat template cannot render; the message says why. */
export class TokenizerError extends Error {
	override name = 'TokenizerError';
}
