/**
 * Chat templates from real tokenizer_config.json files, rendered with @huggingface/jinja, against
 * the prompt formats the model makers publish.
 */
import { describe, expect, it } from 'vitest';
import { loadHfTokenizer, TokenizerError } from '$lib/tokenizers';
import { lenmlFiles, lenmlTokenizer } from '../fixtures/hf-tokenizers';

describe('chat templates render as the model cards say', () => {
	it('Llama 3: the Meta Llama 3 Instruct prompt format', () => {
		// Meta's "Model Cards & Prompt formats: Meta Llama 3" page, its system + user example.
		const published =
			'<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n' +
			'You are a helpful AI assistant for travel tips and recommendations<|eot_id|>' +
			'<|start_header_id|>user<|end_header_id|>\n\nWhat can you help me with?<|eot_id|>' +
			'<|start_header_id|>assistant<|end_header_id|>\n\n';
		const rendered = lenmlTokenizer('llama3').chat!.render(
			[
				{ role: 'system', content: 'You are a helpful AI assistant for travel tips and recommendations' },
				{ role: 'user', content: 'What can you help me with?' }
			],
			{ addGenerationPrompt: true }
		);
		expect(rendered).toBe(published);
	});

	it("Qwen3: ChatML, with Qwen3's empty thinking block when thinking is off", () => {
		// Qwen's docs ("Key Concepts": control tokens and chat template) show this ChatML prompt; the
		// Qwen3 model cards add the empty <think></think> block for enable_thinking=False.
		const published =
			'<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
			'<|im_start|>user\nGive me a short introduction to large language model.<|im_end|>\n' +
			'<|im_start|>assistant\n';
		const qwen = lenmlTokenizer('qwen3');
		const messages = [
			{ role: 'system', content: 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' },
			{ role: 'user', content: 'Give me a short introduction to large language model.' }
		];
		expect(qwen.chat!.render(messages, { addGenerationPrompt: true })).toBe(published);
		expect(qwen.chat!.render(messages, { addGenerationPrompt: true, variables: { enable_thinking: false } })).toBe(`${published}<think>\n\n</think>\n\n`);
		expect(qwen.chat!.render(messages)).toBe(published.slice(0, -'<|im_start|>assistant\n'.length));
		// The rendered control tokens encode as the single ids they are.
		const ids = qwen.encode(published);
		expect(ids.filter((id) => id === 151644)).toHaveLength(3);
		expect(ids.filter((id) => id === 151645)).toHaveLength(2);
	});

	it('Gemma 3: user and model turns; a system prompt opens the first user turn', () => {
		// Google's "Gemma formatting and system instructions" page: turns between <start_of_turn> and
		// <end_of_turn>, roles user and model only. The template also writes the BOS.
		const published = '<start_of_turn>user\nknock knock<end_of_turn>\n<start_of_turn>model\nwho is there<end_of_turn>\n';
		const gemma = lenmlTokenizer('gemma3');
		expect(
			gemma.chat!.render([
				{ role: 'user', content: 'knock knock' },
				{ role: 'assistant', content: 'who is there' }
			])
		).toBe(`<bos>${published}`);
		expect(
			gemma.chat!.render(
				[
					{ role: 'system', content: 'Only reply like a pirate.' },
					{ role: 'user', content: 'What is the answer to life?' }
				],
				{ addGenerationPrompt: true }
			)
		).toBe('<bos><start_of_turn>user\nOnly reply like a pirate.\n\nWhat is the answer to life?<end_of_turn>\n<start_of_turn>model\n');
	});
});

describe('chat template API', () => {
	const gpt2 = () => lenmlFiles('gpt2');

	it('is null for a repo without a template, and chat_template.jinja wins over the config', () => {
		expect(lenmlTokenizer('gpt2').chat).toBeNull();
		const tokenizer = loadHfTokenizer({ ...gpt2(), chatTemplate: '{% for m in messages %}{{ m.role }}: {{ m.content }}{{ eos_token }}{% endfor %}' });
		expect(tokenizer.chat!.render([{ role: 'user', content: 'hi' }])).toBe('user: hi<|endoftext|>');
	});

	it('picks the "default" of named templates', () => {
		const config = { ...(gpt2().config as object), chat_template: [{ name: 'rag', template: 'rag' }, { name: 'default', template: 'plain' }] };
		expect(loadHfTokenizer({ tokenizer: gpt2().tokenizer, config }).chat!.render([])).toBe('plain');
	});

	it('prints the same date on every machine unless told the day', () => {
		// Llama 3.2's template prints strftime_now("%d %b %Y") where it is defined.
		const tokenizer = loadHfTokenizer({ ...gpt2(), chatTemplate: "{% if strftime_now is defined %}{{ strftime_now('%d %b %Y, %B %H:%M') }}{% endif %}" });
		expect(tokenizer.chat!.render([])).toBe('26 Jul 2024, July 00:00');
		expect(tokenizer.chat!.render([], { now: new Date(Date.UTC(2025, 0, 5, 23, 30)) })).toBe('05 Jan 2025, January 23:30');
	});

	it("turns a template's raise_exception and syntax errors into TokenizerErrors, while plain text still encodes", () => {
		expect(() => lenmlTokenizer('gemma3').chat!.render([{ role: 'assistant', content: 'first' }])).toThrow(
			new TokenizerError('The chat template cannot render this conversation: Conversation roles must alternate user/assistant/user/assistant/...')
		);
		const broken = loadHfTokenizer({ ...gpt2(), chatTemplate: '{% for m in messages %}' });
		expect(broken.encode('still fine')).toHaveLength(2);
		expect(() => broken.chat!.render([])).toThrow(/The chat template does not parse: /);
	});
});
