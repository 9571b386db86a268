/**
 * Hugging Face tokenizers (tokenizer.json + tokenizer_config.json) behind the lab's Tokenizer
 * interface. Encoding and decoding are @huggingface/tokenizers' (the pure-JS engine inside
 * transformers.js); character offsets, BOS and special tokens are ours (offsets.ts, hf-config.ts).
 */
import { Tokenizer as HfEngine } from '@huggingface/tokenizers';
import { ChatTemplate } from './chat';
import { TokenizerError } from './errors';
import { readTokenizerConfig, type SpecialTokens } from './hf-config';
import { isRecord, type Json } from './json';
import { bytesLabel } from './label';
import { tokenOffsets, type TokenOffsets } from './offsets';
import { pieceReader, type PieceReader } from './pieces';
import type { Tokenizer } from './types';

/** A repo's tokenizer files, parsed (the hub downloader hands them over as JSON values). */
export interface HfTokenizerFiles {
	/** tokenizer.json */
	tokenizer: unknown;
	/** tokenizer_config.json; older repos have none. */
	config?: unknown;
	/** chat_template.jinja, where a repo keeps the template beside tokenizer_config.json; it wins. */
	chatTemplate?: string;
}

const utf8 = new TextEncoder();

/** The tokenizer.json model types @huggingface/tokenizers implements. */
const MODEL_TYPES = ['BPE', 'Unigram', 'WordPiece'];

export class HfTokenizer implements Tokenizer {
	readonly vocabSize: number;
	readonly bos: number | null;
	readonly eos: number | null;
	readonly pad: number | null;
	/** Null when the repo has no chat template (base models). */
	readonly chat: ChatTemplate | null;
	readonly #added: ReadonlySet<string>;
	readonly #special: ReadonlySet<number>;
	readonly #reader: PieceReader | null;

	constructor(
		readonly name: string,
		private readonly engine: HfEngine,
		tokenizer: Json,
		readonly specialTokens: SpecialTokens,
		addBos: boolean | null,
		chatTemplate: string | null
	) {
		this.vocabSize = engine.model?.vocab.length ?? 0;
		const added = [...engine.get_added_tokens_decoder().values()];
		this.#added = new Set(added.map((token) => token.content));
		this.#special = new Set(added.filter((token) => token.special).map((token) => token.id));
		this.#reader = pieceReader(tokenizer);
		this.bos = this.#bosId(addBos);
		this.eos = this.#idOf(specialTokens.eos, 'eos_token');
		this.pad = this.#idOf(specialTokens.pad, 'pad_token');
		this.chat = chatTemplate === null ? null : new ChatTemplate(chatTemplate, specialTokens);
	}

	encode(text: string): number[] {
		return this.#encode(text).ids;
	}

	encodeWithOffsets(text: string): { ids: number[] } & TokenOffsets {
		const { ids, tokens } = this.#encode(text);
		const decodedLength = (from: number, to: number) => this.#decode(ids.slice(from, to), false).length;
		return { ids, ...tokenOffsets(text, tokens, (token) => this.#added.has(token), this.#reader, decodedLength) };
	}

	decode(ids: readonly number[]): string {
		return this.#decode(ids, true);
	}

	label(id: number): string {
		const token = this.engine.id_to_token(id);
		if (token === undefined) return `<${id}>`;
		if (this.#special.has(id)) return token;
		return bytesLabel(this.#reader?.bytes(token) ?? utf8.encode(token));
	}

	#encode(text: string): { ids: number[]; tokens: string[] } {
		const encoded = this.engine.encode(text, { add_special_tokens: false });
		// The library gives no id (undefined) for a piece missing from a vocabulary without <unk>.
		const missing = encoded.ids.findIndex((id) => id === undefined);
		if (missing >= 0) throw new TokenizerError(`${this.name} has no id for "${encoded.tokens[missing]}" and no unknown token to stand for it.`);
		return encoded;
	}

	/**
	 * Without transformers' clean-up of spaces before punctuation: the tasks cut and rejoin text
	 * by tokens, which must give back the text that was encoded.
	 */
	#decode(ids: readonly number[], skipSpecial: boolean): string {
		// Ids past the tokenizer's vocabulary (a model's padded embedding rows) have no text.
		const known = ids.filter((id) => Number.isInteger(id) && id >= 0 && id < this.vocabSize);
		if (known.length === 0) return '';
		return this.engine.decode(known, { skip_special_tokens: skipSpecial, clean_up_tokenization_spaces: false });
	}

	#idOf(token: string | null, field: string): number | null {
		if (token === null) return null;
		const id = this.engine.token_to_id(token);
		if (id === undefined) throw new TokenizerError(`tokenizer_config.json names ${field} "${token}", which tokenizer.json does not contain.`);
		return id;
	}

	/**
	 * As the model's tokenizer does: an explicit add_bos_token wins (transformers' Llama and Gemma
	 * tokenizers rebuild the post-processor from it); otherwise whatever tokenizer.json's
	 * post-processor puts before the text. A suffix it adds (an EOS) is left out: a prompt is
	 * continued, not ended.
	 */
	#bosId(addBos: boolean | null): number | null {
		if (addBos !== null) {
			if (addBos && this.specialTokens.bos === null) throw new TokenizerError('tokenizer_config.json sets add_bos_token but names no bos_token.');
			return addBos ? this.#idOf(this.specialTokens.bos, 'bos_token') : null;
		}
		const plain = this.engine.encode('a', { add_special_tokens: false }).ids;
		const framed = this.engine.encode('a', { add_special_tokens: true }).ids;
		const before = framed.findIndex((_, i) => plain.every((id, k) => framed[i + k] === id));
		if (before > 1) throw new TokenizerError(`tokenizer.json's post-processor puts ${before} tokens before the text; the lab supports at most one (a BOS).`);
		return before === 1 ? framed[0] : null;
	}
}

/**
 * A tokenizer from a repo's files. Every problem with the files is a TokenizerError that names
 * it, checked here rather than left to surface from the library.
 */
export function loadHfTokenizer(files: HfTokenizerFiles, name = 'tokenizer.json'): HfTokenizer {
	const tokenizer = checkTokenizerJson(files.tokenizer);
	const config = readTokenizerConfig(files.config, files.chatTemplate);
	let engine: HfEngine;
	try {
		// Rust's tokenizers writes absent components as null; hand-made files may leave them out.
		engine = new HfEngine({ normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...tokenizer }, isRecord(files.config) ? files.config : {});
		engine.encode('a');
	} catch (error) {
		throw new TokenizerError(`tokenizer.json cannot be used: ${(error as Error).message}`);
	}
	return new HfTokenizer(name, engine, tokenizer, config.special, config.addBos, config.chatTemplate);
}

function checkTokenizerJson(tokenizer: unknown): Json {
	if (!isRecord(tokenizer)) throw new TokenizerError('tokenizer.json is not a JSON object.');
	const { model, added_tokens: added } = tokenizer;
	if (!isRecord(model) || typeof model.type !== 'string') throw new TokenizerError('tokenizer.json has no model with a type (BPE, Unigram, WordPiece).');
	// The library guesses a model for other types, and its guesses can return no ids at all.
	if (!MODEL_TYPES.includes(model.type)) throw new TokenizerError(`tokenizer.json's model is ${model.type}; the lab reads ${MODEL_TYPES.join(', ')} models.`);
	if (!isRecord(model.vocab) && !Array.isArray(model.vocab)) throw new TokenizerError(`tokenizer.json: the ${model.type} model has no vocab.`);
	if (added !== undefined && !(Array.isArray(added) && added.every((t) => isRecord(t) && Number.isInteger(t.id) && typeof t.content === 'string'))) {
		throw new TokenizerError('tokenizer.json: added_tokens must be a list of { id, content }.');
	}
	return tokenizer;
}
