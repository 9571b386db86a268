import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TaskError, scoreOutput, tasks, type TaskDefinition, type TaskInstance } from '$lib/tasks';
import { byteTokenizer } from '$lib/tokenizers/byte';
import type { Tokenizer } from '$lib/tokenizers/types';

// The user's own texts have no haystack to size: free text and the document task.
const generators = tasks.filter((task) => !['free', 'document'].includes(task.id));
const byId = (id: string) => tasks.find((task) => task.id === id)!;
const gen = (id: string, params: Record<string, unknown>, seed = 1, tokenizer: Tokenizer = byteTokenizer) =>
	byId(id).generate(params as never, seed, tokenizer);

/**
 * A word-level tokenizer without BOS, standing in for Hugging Face tokenizers: a word with its
 * leading space is one token, digits and punctuation are single tokens. Not additive at every
 * boundary, so it exercises the length correction.
 */
function wordTokenizer(): Tokenizer {
	const vocab = new Map<string, number>();
	const pieces: string[] = [];
	const pattern = /\s*[A-Za-z_]+|\s*\d|\s*[^\sA-Za-z_\d]|\s+/g;
	const idOf = (piece: string) => {
		if (!vocab.has(piece)) {
			vocab.set(piece, pieces.length);
			pieces.push(piece);
		}
		return vocab.get(piece)!;
	};
	return {
		name: 'words',
		vocabSize: Infinity,
		bos: null,
		eos: null,
		pad: null,
		encode: (text) => (text.match(pattern) ?? []).map(idOf),
		encodeWithOffsets: (text) => {
			const matches = [...text.matchAll(pattern)];
			return { ids: matches.map((m) => idOf(m[0])), offsets: matches.map((m) => m.index) };
		},
		decode: (ids) => ids.map((id) => pieces[id]).join(''),
		label: (id) => pieces[id]
	};
}

/** The first needle span and where the haystack starts and ends, in tokens. */
function layout(instance: TaskInstance, tokenizer: Tokenizer) {
	const needle = instance.needleSpans.find((span) => span.kind === 'needle')!;
	const tail = instance.prompt.slice(instance.prompt.lastIndexOf('\n'));
	return { needle, tailStart: instance.ids.length - tokenizer.encode(tail).length };
}

describe('task generators', () => {
	it('are deterministic: same params and seed give byte-identical prompts', () => {
		for (const task of generators) {
			const a = task.generate({ len: 700, depth: 0.3 }, 11, byteTokenizer);
			const b = task.generate({ len: 700, depth: 0.3 }, 11, byteTokenizer);
			const c = task.generate({ len: 700, depth: 0.3 }, 12, byteTokenizer);
			expect(b).toEqual(a);
			expect(c.prompt).not.toBe(a.prompt);
		}
	});

	it('give the same bytes on every machine (golden hashes recorded from this implementation)', () => {
		const digest = (task: TaskDefinition) =>
			createHash('sha256').update(task.generate({ len: 1024, depth: 0.5 }, 7, byteTokenizer).prompt).digest('hex').slice(0, 16);
		expect(Object.fromEntries(generators.map((task) => [task.id, digest(task)]))).toMatchInlineSnapshot(`
			{
			  "kv-retrieval": "bd1551f4c0a67cbb",
			  "lines": "232249748647d720",
			  "niah": "9a494c4792fa5ba9",
			  "passkey": "ed56faa54da553c9",
			  "variable-tracking": "562a5c7de6cb0b2a",
			}
		`);
	});

	// Byte-level prompts need more tokens than sub-word ones: 256 bytes fit every task's question.
	const LENGTHS = [256, 300, 512, 1000, 2048, 4096, 8192, 32768];
	const DEPTHS = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1];

	it.each(generators.map((task) => [task.id, task] as const))('%s hits the requested length exactly with the byte tokenizer', (_id, task) => {
		for (const len of LENGTHS) {
			for (const depth of DEPTHS) {
				const instance = task.generate({ len, depth }, len + Math.round(depth * 10), byteTokenizer);
				expect(instance.ids.length, `${task.id} len=${len} depth=${depth}`).toBe(len);
				expect(instance.ids[0]).toBe(byteTokenizer.bos);
				expect(instance.meta.tokens).toBe(len);
			}
		}
	});

	it.each(generators.map((task) => [task.id, task] as const))('%s puts the needle within one filler unit of the depth', (_id, task) => {
		for (const depth of DEPTHS) {
			const instance = task.generate({ len: 4096, depth }, 3, byteTokenizer);
			// The longest filler unit of any task is under 64 bytes; the haystack is over 3 000.
			expect(Math.abs(instance.meta.depth! - depth), `${task.id} depth=${depth}`).toBeLessThanOrEqual(64 / 3000);
		}
	});

	it.each(['passkey', 'niah', 'kv-retrieval', 'lines'])('%s puts the needle at the very start at depth 0 and the very end at depth 1', (id) => {
		const head = id === 'kv-retrieval' ? 'JSON data:\n{' : '';
		const start = gen(id, { len: 2048, depth: 0 });
		expect(layout(start, byteTokenizer).needle.start).toBe(1 + byteTokenizer.encode(head).length);
		const end = gen(id, { len: 2048, depth: 1 });
		const { needle, tailStart } = layout(end, byteTokenizer);
		// kv-retrieval closes its object after the pairs: its tail starts at "\n}".
		const closing = id === 'kv-retrieval' ? byteTokenizer.encode('\n}').length : 0;
		// Whitespace padding (kv, lines) sits after the last unit; the needle follows it.
		expect(needle.end).toBe(tailStart - closing);
	});

	it('marks needle and answer spans that decode back to their text', () => {
		for (const task of generators) {
			for (const seed of [1, 2, 3]) {
				const instance = task.generate({ len: 1500, depth: 0.6 }, seed, byteTokenizer);
				expect(instance.needleSpans.some((span) => span.kind === 'needle')).toBe(true);
				for (const span of instance.needleSpans) {
					expect(byteTokenizer.decode(instance.ids.slice(span.start, span.end))).toBe(span.text);
				}
				const answerTexts = instance.needleSpans.filter((s) => s.kind === 'answer').map((s) => s.text);
				expect(answerTexts.sort()).toEqual([...instance.answers].sort());
				expect(scoreOutput(instance, instance.completion)).toEqual({ scored: true, correct: true, partial: 1 });
			}
		}
	});

	it('works with a non-byte tokenizer without BOS, from 64 to 32 768 tokens', () => {
		const tokenizer = wordTokenizer();
		for (const task of generators) {
			// Sub-word tokens let every question fit in 64 tokens, except the multi-needle tasks.
			const lengths = ['niah', 'variable-tracking'].includes(task.id) ? [128, 1000, 32768] : [64, 100, 512, 4096, 32768];
			for (const len of lengths) {
				const instance = task.generate({ len, depth: 0.5 }, 4, tokenizer);
				expect(instance.meta.tokens).toBe(instance.ids.length);
				if (['kv-retrieval', 'lines'].includes(task.id)) {
					// Their whitespace padding merges into neighbouring tokens here: within one unit.
					expect(Math.abs(instance.ids.length - len), `${task.id} len=${len}`).toBeLessThan(20);
				} else {
					expect(instance.ids.length, `${task.id} len=${len}`).toBe(len);
				}
				for (const span of instance.needleSpans) {
					expect(tokenizer.decode(instance.ids.slice(span.start, span.end)).trim()).toBe(span.text.trim());
				}
			}
		}
	});

	it('supports the RULER wording, essay haystacks, multi-value and distractor chains', () => {
		const multi = gen('niah', { len: 2048, depth: 0.5, keys: 6, values: 3, haystack: 'essay', template: 'ruler' });
		expect(multi.prompt.startsWith('Some special magic numbers are hidden within the following text.')).toBe(true);
		expect(multi.prompt).toContain('What are all the special magic numbers for');
		expect(multi.answers).toHaveLength(3);
		expect(multi.scoring).toBe('all');
		expect(multi.needleSpans.filter((s) => s.kind === 'distractor')).toHaveLength(15);
		expect(multi.prompt).not.toContain('The grass is green.');

		const vt = gen('variable-tracking', { len: 2048, depth: 0.2, chains: 3, hops: 2 });
		expect(vt.answers).toHaveLength(3);
		expect(vt.needleSpans.filter((s) => s.kind === 'distractor')).toHaveLength(6);
		const value = vt.meta.value as string;
		expect(vt.prompt).toContain(`VAR ${vt.answers[0]} = ${value}.`);
		expect(vt.prompt).toContain(`VAR ${vt.answers[1]} = VAR ${vt.answers[0]}.`);

		const numbered = gen('lines', { len: 1024, depth: 0.5, labels: 'numbers' });
		expect(numbered.prompt).toMatch(/\nline \d+: REGISTER_CONTENT is <\d{5}>/);
	});

	it('free text keeps the prompt as given', () => {
		const instance = gen('free', { prompt: 'Ünïcode ✓ prompt' });
		expect(instance.ids).toEqual([byteTokenizer.bos, ...byteTokenizer.encode('Ünïcode ✓ prompt')]);
		expect(instance.needleSpans).toEqual([]);
		expect(scoreOutput(instance, 'anything').scored).toBe(false);
	});
});

describe('bad task parameters', () => {
	const cases: [string, Record<string, unknown>, RegExp][] = [
		['passkey', { len: 40 }, /passkey prompt needs at least \d+ tokens.*40 is too short/],
		['niah', { len: 128, keys: 8 }, /niah prompt needs at least \d+ tokens/],
		['passkey', { depth: -0.1 }, /"depth" is -0.1, which must be at least 0/],
		['passkey', { depth: 1.5 }, /"depth" is 1.5, which must be at most 1/],
		['niah', { keys: 0 }, /"keys" is 0, which must be at least 1/],
		['passkey', { digits: 0 }, /"digits" is 0, which must be at least 1/],
		['passkey', { len: Number.NaN }, /"len" is null, which is not a finite number/],
		['lines', { labels: 'emoji' }, /must be one of words, numbers/],
		['free', { prompt: '   ' }, /the prompt is empty/]
	];
	it.each(cases)('%s with %j fails clearly', (id, params, message) => {
		expect(() => gen(id, params)).toThrow(TaskError);
		expect(() => gen(id, params)).toThrow(message);
	});
});

describe('scoring', () => {
	const single = { answers: ['40917'], scoring: 'exact' as const };
	it.each([
		[' 40917.', true, 1],
		['40917', true, 1],
		['\n 40917 is the pass key', true, 1],
		[' 40918.', false, 0.8],
		[' 409170', false, 1],
		[' 4091', false, 0.8],
		['The pass key is 40917', false, 0],
		['', false, 0]
	])('exact: %j → correct %s, partial %s', (output, correct, partial) => {
		expect(scoreOutput(single, output)).toEqual({ scored: true, correct, partial });
	});

	it('exact matching ignores case (hex values)', () => {
		expect(scoreOutput({ answers: ['a1b2'], scoring: 'exact' }, 'A1B2"').correct).toBe(true);
	});

	const all = { answers: ['ABCDE', 'FGHIJ', 'KLMNO'], scoring: 'all' as const };
	it.each([
		[' ABCDE FGHIJ KLMNO.', true, 1],
		['kLmNo, abcde and fghij', true, 1],
		[' ABCDE FGHIJ', false, 2 / 3],
		[' ABCDEF FGHIJX KLMNO', false, 1 / 3],
		['nothing', false, 0]
	])('all (RULER string_match_all, whole words): %j', (output, correct, partial) => {
		expect(scoreOutput(all, output)).toEqual({ scored: true, correct, partial });
	});
});

describe('key–value retrieval with short ids', () => {
	it('takes 2-digit keys, and refuses a prompt longer than its 256 distinct keys can fill instead of looking for a 257th', () => {
		const short = gen('kv-retrieval', { len: 256, depth: 0.5, chars: 2 });
		expect(short.completion).toMatch(/^[0-9a-f]{2}"$/);
		expect(() => gen('kv-retrieval', { len: 8192, depth: 0.5, chars: 2 })).toThrow(TaskError);
		expect(() => gen('kv-retrieval', { len: 8192, depth: 0.5, chars: 2 })).toThrow(/only 256 distinct keys/);
	});
});

