/**
 * What the task generators, the engine and the views need from a tokenizer. Our lab models use
 * {@link ByteTokenizer}; Hugging Face tokenizers (tokenizer.json) implement the same interface.
 */
import type { ChatTemplate } from './chat';
export interface Tokenizer {
	readonly name: string;
	readonly vocabSize: number;
	/** Prepended to every prompt when the model expects it; null when it does not. */
	readonly bos: number | null;
	readonly eos: number | null;
	readonly pad: number | null;
	/** The model's chat template; absent or null for models without one (base models, the lab's). */
	readonly chat?: ChatTemplate | null;
	/** Ids for the text alone, without special tokens. */
	encode(text: string): number[];
	/**
	 * The same ids, plus where each token starts in the text (a UTF-16 index), so a character
	 * range can be mapped to the tokens that cover it.
	 */
	encodeWithOffsets(text: string): { ids: number[]; offsets: number[] };
	/** Text for the ids; special tokens are left out. */
	decode(ids: readonly number[]): string;
	/** A short printable label for one id (token strips, heatmap axes). */
	label(id: number): string;
}
