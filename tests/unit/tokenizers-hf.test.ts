/**
 * Hugging Face tokenizers on real tokenizer.json files (tests/fixtures/hf-tokenizers.ts): ids
 * against published goldens and a second implementation, offsets that rebuild the input, task
 * spans, BOS and special tokens, labels, and clear errors for bad files.
 */
import { TokenizerLoader } from '@lenml/tokenizers';
import { describe, expect, it } from 'vitest';
import { tasks } from '$lib/tasks';
import { loadHfTokenizer, TokenizerError, type HfTokenizer } from '$lib/tokenizers';
import { LENML_PACKAGES, lenmlFiles, lenmlTokenizer, type LenmlPackage } from '../fixtures/hf-tokenizers';
import { GEMMA3_PIECES, GPT2_GOLDENS, LLAMA3_GOLDENS, MISTRAL_GOLDENS, QWEN_GOLDENS } from '../fixtures/tokenizer-goldens';

/** Text of the kinds the brief names: unicode, whitespace runs, digits, emoji, prose, code. */
const CORPUS = [
	'Hello world',
	' The pass key is 68 231. Remember it. 68231 is the pass key.',
	'Ünïcödé — “quotes” … ½ ① ﬁ ß Ελληνικά русский עברית العربية हिन्दी 日本語の文章 한국어',
	'tabs\tand  double  spaces,   triple,\n\nblank lines\r\n and trailing   ',
	'    leading spaces',
	'0 12 345 6789 3.14159 1,000,000 2024-07-26 #42 $1.00 ₹8',
	'emoji: 😂👍🏽 🧑‍🤝‍🧑 👩‍👩‍👧‍👦 🏴󠁧󠁢󠁥󠁮󠁧󠁿 🫩 🦙Ꙋ ❤️',
	"def main():\n\tprint('hi')  # comment\n",
	'quiet-harbor: 7 is the value of X. Y = X. What is Y?',
	...LLAMA3_GOLDENS.map((golden) => golden.text)
];

/** Our ids for the text alone. */
const ids = (pkg: LenmlPackage, text: string) => lenmlTokenizer(pkg).encode(text);

describe('the files on npm are what their names say', () => {
	const vocab = (pkg: LenmlPackage) => (lenmlFiles(pkg).tokenizer as { model: { vocab: Record<string, number> } }).model.vocab;

	it('gpt2: GPT-2, 50 257 tokens, <|endoftext|> = 50256 and no BOS', () => {
		const gpt2 = lenmlTokenizer('gpt2');
		expect([gpt2.vocabSize, gpt2.eos, gpt2.bos]).toEqual([50257, 50256, null]);
	});

	it("llama2: a 32 000-token SentencePiece whose ids are Mistral-7B's, not Llama 2's", () => {
		const mistral = lenmlTokenizer('llama2');
		expect([mistral.vocabSize, mistral.bos, mistral.eos]).toEqual([32000, 1, 2]);
		// "▁Hello" is 15043 in Llama 2 (transformers.js's Xenova/llama-tokenizer goldens: "Hello World"
		// = [1, 15043, 2787]); Mistral's tokenizer.model.v1 gives 22557 (mistral-common's chat samples).
		expect(vocab('llama2')['▁Hello']).toBe(22557);
	});

	it("llama3: Llama 3's 128 000 tokens and 256 specials", () => {
		const llama3 = lenmlTokenizer('llama3');
		expect(llama3.vocabSize).toBe(128256);
		expect(llama3.eos).toBe(128001);
		expect(['<|begin_of_text|>', '<|eot_id|>'].map((token) => llama3.encode(token))).toEqual([[128000], [128009]]);
		// This copy's post-processor is ByteLevel alone and its config sets no add_bos_token: it adds
		// no BOS, as transformers does with these files.
		expect(llama3.bos).toBeNull();
	});

	it("qwen3: Qwen's 151 643 tokens and Qwen3's added tokens (<think>)", () => {
		const qwen = lenmlTokenizer('qwen3');
		expect([qwen.vocabSize, qwen.bos, qwen.eos, qwen.pad]).toEqual([151669, null, 151645, 151643]);
		expect(['<|im_start|>', '<think>'].map((token) => qwen.encode(token))).toEqual([[151644], [151667]]);
	});

	it("gemma3: Gemma 3's 262 144 tokens, <bos> = 2, <end_of_turn> = 106", () => {
		const gemma = lenmlTokenizer('gemma3');
		expect(Object.keys(vocab('gemma3'))).toHaveLength(262144);
		// One more id, 262144, is the added <image_soft_token>.
		expect([gemma.vocabSize, gemma.bos, gemma.eos, gemma.pad]).toEqual([262145, 2, 106, 0]);
	});
});

describe('ids match published goldens', () => {
	it.each([
		['llama3', LLAMA3_GOLDENS],
		['gpt2', GPT2_GOLDENS],
		// Qwen1.5's goldens on Qwen3's file: Qwen1.5 to Qwen3 share the BPE vocabulary and pre-tokenizer.
		['qwen3', QWEN_GOLDENS],
		['llama2', MISTRAL_GOLDENS]
	] as const)('%s', (pkg, goldens) => {
		for (const golden of goldens) expect(ids(pkg, golden.text), golden.name).toEqual(golden.ids);
	});

	it("gemma3: the pieces Google's sentencepiece gives", () => {
		const { tokenizer } = lenmlFiles('gemma3') as { tokenizer: { model: { vocab: Record<string, number> } } };
		for (const { text, pieces } of GEMMA3_PIECES) expect(ids('gemma3', text)).toEqual(pieces.map((piece) => tokenizer.model.vocab[piece]));
	});
});

describe('ids match a second implementation (@lenml/tokenizers, a transformers.js fork)', () => {
	it.each(LENML_PACKAGES)('%s', (pkg) => {
		const { tokenizer, config } = lenmlFiles(pkg);
		const other = TokenizerLoader.fromPreTrained({ tokenizerJSON: tokenizer as never, tokenizerConfig: config as never });
		for (const text of CORPUS) expect(ids(pkg, text), text).toEqual(other.encode(text, { add_special_tokens: false }));
	});
});

describe('offsets', () => {
	/**
	 * Token i starts where the decoded tokens before it end; where they end inside a character
	 * split across tokens, the decoded text ends in U+FFFD and the token starts at that character.
	 */
	function expectPrefixDecoding(tokenizer: HfTokenizer, text: string, tokens: number[], offsets: number[]) {
		for (let i = 0; i < tokens.length; i++) {
			const decoded = tokenizer.decode(tokens.slice(0, i));
			const whole = text.startsWith(decoded) ? decoded : decoded.replace(/\uFFFD+$/u, '');
			expect(offsets[i], `${JSON.stringify(text)} token ${i}`).toBe(whole.length);
		}
	}

	it.each(LENML_PACKAGES)('%s: rebuild the input exactly and agree with decoding prefixes', (pkg) => {
		const tokenizer = lenmlTokenizer(pkg);
		for (const text of CORPUS) {
			const { ids: tokens, offsets, exact } = tokenizer.encodeWithOffsets(text);
			expect(exact, text).toBe(true);
			expect(tokens).toEqual(tokenizer.encode(text));
			expectPrefixDecoding(tokenizer, text, tokens, offsets);
		}
	});

	it('rebuild text around special tokens, with and without a dummy prefix after them', () => {
		const cases: [LenmlPackage, string, string[]][] = [
			['llama2', '<s>[INST] Hi [/INST] Hello</s> again', ['<s>', '</s>']],
			['qwen3', '<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n', ['<|im_start|>', '<|im_end|>']],
			['gemma3', '<start_of_turn>user\n  two spaces\t\ttabs<end_of_turn>\n', ['<start_of_turn>', '<end_of_turn>']],
			['llama3', '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>', ['<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>']]
		];
		for (const [pkg, text, specials] of cases) {
			const tokenizer = lenmlTokenizer(pkg);
			const { ids: tokens, offsets, exact } = tokenizer.encodeWithOffsets(text);
			expect(exact, text).toBe(true);
			const placed = tokens.flatMap((id, i) => (specials.includes(tokenizer.label(id)) ? [[tokenizer.label(id), offsets[i]] as const] : []));
			const expected = specials.flatMap((special) => text.split(special).slice(0, -1).map((_, k, parts) => [special, parts.slice(0, k + 1).join(special).length] as const));
			expect(placed).toEqual(expect.arrayContaining(expected));
			expect(placed).toHaveLength(expected.length);
		}
	});

	it('fall back to decoding, marked inexact, where the normalizer changed the text', () => {
		// Qwen normalizes to NFC: "e" + combining acute becomes one character, so bytes cannot match.
		const text = 'Cafe\u0301 au lait, cafe\u0301 noir.';
		const qwen = lenmlTokenizer('qwen3');
		const { ids: tokens, offsets, exact } = qwen.encodeWithOffsets(text);
		expect(exact).toBe(false);
		// Offsets are then lengths of decoded prefixes, in the normalized text's units.
		expect(offsets).toEqual(tokens.map((_, i) => qwen.decode(tokens.slice(0, i)).length));
		expect(qwen.decode(tokens)).toBe(text.normalize('NFC'));
	});

	it('fall back on long texts in linear time', () => {
		const text = 'Cafe\u0301 au lait. '.repeat(2000);
		const started = performance.now();
		const { offsets, exact } = lenmlTokenizer('qwen3').encodeWithOffsets(text);
		expect(exact).toBe(false);
		expect(offsets.at(-1)).toBeLessThanOrEqual(text.length);
		expect(performance.now() - started).toBeLessThan(20_000);
	});
});

describe('task prompts on real tokenizers', () => {
	it.each(['gpt2', 'llama2', 'qwen3', 'gemma3'] as const)('%s: needle and answer spans cover their text', (pkg) => {
		const tokenizer = lenmlTokenizer(pkg);
		for (const id of ['passkey', 'niah']) {
			const instance = tasks.find((task) => task.id === id)!.generate({ len: 400, depth: 0.4 }, 7, tokenizer);
			expect(instance.ids.slice(0, tokenizer.bos === null ? 0 : 1)).toEqual(tokenizer.bos === null ? [] : [tokenizer.bos]);
			expect(Math.abs(instance.ids.length - 400)).toBeLessThan(20);
			expect(instance.needleSpans.some((span) => span.kind === 'answer')).toBe(true);
			for (const span of instance.needleSpans) {
				const covered = tokenizer.decode(instance.ids.slice(span.start, span.end));
				expect(covered, `${id} ${span.kind}`).toContain(span.text.trim());
				// The span starts at the token holding its first character, not earlier.
				expect(tokenizer.decode(instance.ids.slice(span.start + 1, span.end))).not.toContain(span.text.trim());
			}
		}
	});
});

describe('BOS and special tokens', () => {
	it('add BOS as the model tokenizer does', () => {
		expect(LENML_PACKAGES.map((pkg) => lenmlTokenizer(pkg).bos)).toEqual([null, 1, null, null, 2]);
	});

	it('follow an explicit add_bos_token over the post-processor', () => {
		const { tokenizer, config } = lenmlFiles('gemma3');
		expect(loadHfTokenizer({ tokenizer, config: { ...(config as object), add_bos_token: false } }).bos).toBeNull();
		const gpt2 = lenmlFiles('gpt2');
		expect(loadHfTokenizer({ tokenizer: gpt2.tokenizer, config: { ...(gpt2.config as object), add_bos_token: true } }).bos).toBe(50256);
	});

	it('leave special tokens out of decoded text but keep them in labels', () => {
		const gemma = lenmlTokenizer('gemma3');
		const text = 'Who are you?';
		expect(gemma.decode([2, ...gemma.encode(text), 106])).toBe(text);
		expect([2, 105, 106].map((id) => gemma.label(id))).toEqual(['<bos>', '<start_of_turn>', '<end_of_turn>']);
	});
});

describe('decode and labels', () => {
	it.each(LENML_PACKAGES)('%s: decoding gives back the encoded text', (pkg) => {
		const tokenizer = lenmlTokenizer(pkg);
		// Qwen normalizes to NFC, which the corpus already is; transformers' space clean-up is off.
		for (const text of CORPUS) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
	});

	it('label tokens readably: spaces, newlines, split characters, unknown ids', () => {
		const gpt2 = lenmlTokenizer('gpt2');
		expect(gpt2.encode('Hello world\n').map((id) => gpt2.label(id))).toEqual(['Hello', '␣world', '⏎']);
		// GPT-2 splits 🫩 (F0 9F AB A9) across tokens: the pieces that are not whole characters show as bytes.
		expect(gpt2.encode('🫩').map((id) => gpt2.label(id)).join('')).toBe('<0xF0><0x9F><0xAB><0xA9>');
		const mistral = lenmlTokenizer('llama2');
		expect(mistral.encode('a\tb').map((id) => mistral.label(id))).toEqual(['␣a', '<0x09>', 'b']);
		expect(gpt2.label(999_999)).toBe('<999999>');
		expect(gpt2.decode([999_999, ...gpt2.encode('ok')])).toBe('ok');
		expect(gpt2.decode([])).toBe('');
	});
});

describe('bad files fail with a TokenizerError that names the problem', () => {
	const gpt2 = () => structuredClone(lenmlFiles('gpt2')) as { tokenizer: Record<string, unknown>; config: Record<string, unknown> };
	const fails = (files: Parameters<typeof loadHfTokenizer>[0], message: RegExp) => {
		expect(() => loadHfTokenizer(files)).toThrow(TokenizerError);
		expect(() => loadHfTokenizer(files)).toThrow(message);
	};

	it('tokenizer.json', () => {
		for (const value of [null, [], 'tokenizer', 3]) fails({ tokenizer: value }, /tokenizer.json is not a JSON object/);
		fails({ tokenizer: {} }, /no model with a type/);
		fails({ tokenizer: { model: { type: 'BPE' } } }, /BPE model has no vocab/);
		const unknown = gpt2();
		unknown.tokenizer.model = { type: 'WordLevel', vocab: { a: 0 } };
		fails(unknown, /model is WordLevel; the lab reads BPE, Unigram, WordPiece models/);
		const broken = gpt2();
		(broken.tokenizer.model as Record<string, unknown>).merges = 'not a list';
		fails(broken, /tokenizer.json cannot be used: /);
		const added = gpt2();
		added.tokenizer.added_tokens = [{ id: 'x', content: 3 }];
		fails(added, /added_tokens must be a list of \{ id, content \}/);
	});

	it('tokenizer_config.json', () => {
		const { tokenizer } = gpt2();
		fails({ tokenizer, config: [] }, /tokenizer_config.json is not a JSON object/);
		fails({ tokenizer, config: { eos_token: '<nope>' } }, /names eos_token "<nope>", which tokenizer.json does not contain/);
		fails({ tokenizer, config: { pad_token: 7 } }, /pad_token must be a token/);
		fails({ tokenizer, config: { add_bos_token: 'yes' } }, /add_bos_token must be true or false/);
		fails({ tokenizer, config: { add_bos_token: true } }, /sets add_bos_token but names no bos_token/);
		fails({ tokenizer, config: { additional_special_tokens: '<a>' } }, /additional_special_tokens must be a list/);
		fails({ tokenizer, config: { chat_template: 42 } }, /chat_template must be a template text or a list/);
		fails({ tokenizer, config: { chat_template: [{ name: 'rag', template: 'x' }] } }, /lists "rag" but no "default" template/);
	});

	it('a post-processor that puts more than a BOS before the text', () => {
		const files = gpt2();
		const eot = { SpecialToken: { id: '<|endoftext|>', type_id: 0 } };
		files.tokenizer.post_processor = {
			type: 'TemplateProcessing',
			single: [eot, eot, { Sequence: { id: 'A', type_id: 0 } }],
			pair: [],
			special_tokens: { '<|endoftext|>': { id: '<|endoftext|>', ids: [50256], tokens: ['<|endoftext|>'] } }
		};
		fails(files, /puts 2 tokens before the text/);
	});

	it('files without optional parts still load', () => {
		const { tokenizer } = gpt2();
		delete tokenizer.added_tokens;
		delete tokenizer.normalizer;
		const bare = loadHfTokenizer({ tokenizer }, 'bare');
		expect([bare.name, bare.eos, bare.chat]).toEqual(['bare', null, null]);
		expect(bare.encode('Hello world')).toEqual([15496, 995]);
	});
});
