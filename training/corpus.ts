/**
 * Training sequences, generated on the fly from the lab's own task generators plus simple
 * essay-like prose. Each sequence is exactly `length + 1` byte tokens (inputs and shifted
 * targets); the answer tokens weigh more, since retrieval is what the lab studies.
 */
import { createRng, deriveSeed, type Rng } from '../src/lib/random';
import { findTask } from '../src/lib/tasks/registry';
import { TaskError } from '../src/lib/tasks/types';
import { essaySentence } from '../src/lib/tasks/text';
import { kvText } from '../src/lib/tasks/kv-retrieval';
import { byteTokenizer } from '../src/lib/tokenizers/byte';

export interface Mix {
	[task: string]: number;
}

export const DEFAULT_MIX: Mix = { passkey: 0.3, niah: 0.2, 'kv-retrieval': 0.15, lines: 0.1, 'variable-tracking': 0.1, text: 0.15 };

/** Inclusive ranges each task's parameters are drawn from, by task id. */
export type TaskRanges = Record<string, Record<string, [number, number]>>;

/** What a training phase samples: the task mix, the answer tokens' loss weight, task parameter ranges. */
export interface DataSpec {
	mix: Mix;
	/** Loss weight of the answer tokens (every other token weighs 1); above 1, which marks them. */
	answerWeight?: number;
	/** Replaces DEFAULT_RANGES per parameter. */
	ranges?: TaskRanges;
}

/**
 * The ranges the lab-rope recipe was trained on (a phase may override them). Where a draw does not
 * fit the length (3 niah keys need 320 bytes), another task is drawn.
 */
export const DEFAULT_RANGES: TaskRanges = {
	passkey: { digits: [3, 7] },
	niah: { keys: [1, 3], values: [1, 1] },
	'kv-retrieval': { chars: [4, 6] },
	'variable-tracking': { chains: [1, 1], hops: [1, 3] }
};

export interface Sequence {
	tokens: number[];
	/** Loss weight of predicting tokens[i + 1] from tokens[0..i]. */
	weights: number[];
	/** Key–value questions: the position that predicts an answer's first token, and the positions of the pair it must find. */
	lookups?: Lookup[];
}

export interface Lookup {
	from: number;
	key: number[];
	value: number[];
}

const ANSWER_WEIGHT = 4;

/** Draws in the order of DEFAULT_RANGES, so that overriding one range leaves the others' draws as they were. */
function taskParams(task: string, rng: Rng, ranges: TaskRanges = {}): Record<string, number> {
	const merged = { ...DEFAULT_RANGES[task], ...ranges[task] };
	return Object.fromEntries(Object.entries(merged).map(([name, [min, max]]) => [name, min === max ? min : rng.int(min, max)]));
}

/**
 * Random words, then the same words again: every token of the repeat is predictable only by
 * finding its earlier occurrence, the strongest signal there is for induction (copy) heads.
 */
function repeatedWords(length: number, rng: Rng, alphabet: string, [shortest, longest]: [number, number] = [2, 6]): Sequence {
	let words = '';
	while (words.length < length / 2) words += ` ${Array.from({ length: rng.int(shortest, longest) }, () => alphabet[rng.int(0, alphabet.length - 1)]).join('')}`;
	const tokens = [byteTokenizer.bos, ...byteTokenizer.encode(words + words).slice(0, length)];
	return { tokens, weights: new Array(length).fill(1) };
}

const HEX = '0123456789abcdef';

/**
 * The many-question key–value forms: their key and value alphabets (the lab's hex ids, or Zoology's
 * curriculum start, keys and values from disjoint byte ranges, so a value never looks like a key),
 * and whether each key is asked once only. Where questions repeat, a later one can be answered by
 * copying an earlier answer instead of looking in the object; asked once, every weighted answer
 * is a lookup, as in the lab's task (repeats then only fill the length, at weight 1).
 */
interface KvForm {
	keys: string;
	values: string;
	askOnce: boolean;
	/** Most of the length the object may fill. */
	objectShare: number;
}

const KV_FORMS: Record<string, KvForm> = {
	'kv-questions': { keys: HEX, values: HEX, askOnce: false, objectShare: 0.6 },
	'kv-questions-disjoint': { keys: 'abcdefghijklmnopqrstuvwxyz', values: '0123456789', askOnce: false, objectShare: 0.6 },
	'kv-questions-once': { keys: HEX, values: HEX, askOnce: true, objectShare: 0.9 }
};

const randomId = (rng: Rng, alphabet: string, size: number) => Array.from({ length: size }, () => alphabet[rng.int(0, alphabet.length - 1)]).join('');

/**
 * The key–value task asked many times over one object (multi-query associative recall, as in
 * Zoology): every question is a retrieval to learn from, where the lab's form has one per sequence.
 * Keys and values of 4–8 characters (range `chars`), 2–8 unique keys (range `pairs`; fewer where
 * they would fill more than the form's share of the length, or where the alphabet has too few
 * keys), then questions on random keys until the length is full.
 */
function kvQuestions(length: number, rng: Rng, answerWeight: number, form: KvForm, ranges: Record<string, [number, number]> = {}): Sequence {
	const [shortest, longest] = ranges.chars ?? [4, 8];
	const [fewest, most] = ranges.pairs ?? [2, 8];
	const size = rng.int(shortest, longest);
	const pairs = new Map<string, string>();
	const pairLength = kvText.pair('', '').length + 2 * size;
	const fits = Math.floor((form.objectShare * length - kvText.head.length - kvText.end.length) / pairLength);
	const count = Math.max(1, Math.min(rng.int(fewest, most), fits, form.keys.length ** size));
	while (pairs.size < count) pairs.set(randomId(rng, form.keys, size), randomId(rng, form.values, size));
	const tokens = [byteTokenizer.bos, ...byteTokenizer.encode(kvText.head)];
	const at = new Map<string, Omit<Lookup, 'from'>>();
	const span = (start: number) => Array.from({ length: size }, (_, i) => start + i);
	for (const [key, value] of pairs) {
		const pair = kvText.pair(key, value);
		// The value's quote comes after the key's: where the key and value are equal, lastIndexOf finds the value.
		at.set(key, { key: span(tokens.length + pair.indexOf(key)), value: span(tokens.length + pair.lastIndexOf(value)) });
		tokens.push(...byteTokenizer.encode(pair));
	}
	tokens.push(...byteTokenizer.encode(kvText.end));
	const weights: number[] = new Array(tokens.length - 1).fill(1);
	const lookups: Lookup[] = [];
	const entries = [...pairs];
	// Only this form draws an order, so that the others' sequences stay as their runs trained on them.
	const unasked = form.askOnce ? rng.shuffle([...entries]) : [];
	while (tokens.length <= length) {
		const fresh = form.askOnce ? unasked.pop() : undefined;
		const [key, value] = fresh ?? entries[rng.int(0, entries.length - 1)];
		const counts = !form.askOnce || fresh !== undefined;
		const question = byteTokenizer.encode(kvText.question(key));
		const answer = byteTokenizer.encode(kvText.answer(value));
		tokens.push(...question);
		if (counts && tokens.length - 1 < length) lookups.push({ from: tokens.length - 1, ...at.get(key)! });
		tokens.push(...answer);
		weights.push(...question.map(() => 1), ...answer.map(() => (counts ? answerWeight : 1)));
	}
	return { tokens: tokens.slice(0, length + 1), weights: weights.slice(0, length), lookups };
}

function prose(length: number, rng: Rng): Sequence {
	let text = '';
	while (byteTokenizer.encode(text).length < length) text += ` ${essaySentence(rng)}`;
	const tokens = [byteTokenizer.bos, ...byteTokenizer.encode(text).slice(0, length)];
	return { tokens, weights: new Array(length).fill(1) };
}

export function sampleSequence(length: number, seed: number, data: DataSpec = { mix: DEFAULT_MIX }): Sequence {
	const { mix, answerWeight = ANSWER_WEIGHT, ranges } = data;
	const rng = createRng(seed);
	for (let attempt = 0; ; attempt++) {
		let r = rng.next();
		const task = Object.keys(mix).find((name) => (r -= mix[name]) < 0) ?? 'text';
		if (task === 'text' || attempt > 8) return prose(length, rng);
		if (task === 'copy') return repeatedWords(length, rng, 'abcdefghijklmnopqrstuvwxyz0123456789', ranges?.copy?.letters);
		// Digits only: repeats within a word are common, so copying needs more than the last token.
		if (task === 'copy-digits') return repeatedWords(length, rng, '0123456789', ranges?.['copy-digits']?.letters);
		if (task in KV_FORMS) return kvQuestions(length, rng, answerWeight, KV_FORMS[task], ranges?.[task]);
		const definition = findTask(task)!;
		const taskSeed = deriveSeed(seed, `${task}/${attempt}`);
		try {
			// The answer depends on the seed only, so a probe at full length tells its size; the
			// prompt is then regenerated to leave exactly that much room.
			const probe = definition.generate({ len: length, depth: 0, ...taskParams(task, createRng(taskSeed), ranges) }, taskSeed, byteTokenizer);
			const completion = byteTokenizer.encode(probe.completion);
			const params = { len: length + 1 - completion.length, depth: rng.next(), ...taskParams(task, createRng(taskSeed), ranges) };
			const instance = definition.generate(params, taskSeed, byteTokenizer);
			const answer = byteTokenizer.encode(instance.completion);
			const tokens = [...instance.ids, ...answer];
			const weights = tokens.slice(1).map((_, i) => (i + 1 >= instance.ids.length ? answerWeight : 1));
			return { tokens, weights };
		} catch (error) {
			if (!(error instanceof TaskError)) throw error;
		}
	}
}
