/**
 * Builds a prompt of an exact token length: fixed text around a haystack of filler units with
 * needles inserted at chosen depths. Works with any {@link Tokenizer}: the filler is sized from
 * token counts, then the whole prompt is re-measured and the filler budget corrected, because
 * sub-word tokenizers may merge across boundaries. With additive tokenizers (bytes) the first
 * pass is exact; otherwise the result is within one filler unit (reported in `meta.tokens`).
 */
import type { Tokenizer } from '../tokenizers/types';
import { sentenceSource } from './text';
import { TaskError, type TaskInstance, type TokenSpan } from './types';

export interface Needle {
	text: string;
	/** Position in the haystack: 0 = before all filler, 1 = after all filler. */
	depth: number;
	kind: 'needle' | 'distractor';
	/** Substrings of `text` to mark as `answer` spans (first occurrence each). */
	answers: string[];
}

export interface HaystackPlan {
	task: string;
	head: string;
	tail: string;
	needles: Needle[];
	/** A fresh, seeded source of filler units, in order. */
	filler: () => () => string;
	/** Text of about `tokens` tokens that fills the last gap (default: a cut filler unit). */
	pad?: (tokens: number, nextUnit: string, tokenizer: Tokenizer) => string;
}

export interface Assembled {
	prompt: string;
	ids: number[];
	needleSpans: TokenSpan[];
	/** Actual depth of each needle, in plan order. */
	depths: number[];
}

const MAX_ATTEMPTS = 6;

export function cutToTokens(text: string, tokens: number, tokenizer: Tokenizer): string {
	return tokenizer.decode(tokenizer.encode(text).slice(0, tokens));
}

/**
 * The tokens [start, end) that cover the characters [from, to), given where each token starts
 * in the text; `shift` is added (a BOS before the text's tokens).
 */
export function tokensCovering(starts: readonly number[], from: number, to: number, shift = 0): { start: number; end: number } {
	const firstAtOrAfter = (char: number) => {
		let lo = 0;
		let hi = starts.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (starts[mid] < char) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	};
	let start = firstAtOrAfter(from);
	if (start > 0 && (start === starts.length || starts[start] > from)) start--;
	return { start: shift + start, end: shift + firstAtOrAfter(to) };
}

export function assembleHaystack(plan: HaystackPlan, len: number, tokenizer: Tokenizer): Assembled {
	const count = (text: string) => tokenizer.encode(text).length;
	const bos = tokenizer.bos === null ? [] : [tokenizer.bos];
	const fixed = bos.length + count(plan.head) + count(plan.tail) + plan.needles.reduce((n, needle) => n + count(needle.text), 0);
	if (fixed > len) {
		throw new TaskError(
			`A ${plan.task} prompt needs at least ${fixed} tokens for its question and needles; ${len} is too short.`
		);
	}
	const pad = plan.pad ?? ((tokens, next, tok) => cutToTokens(next, tokens, tok));

	let budget = len - fixed;
	let best: Assembled | undefined;
	for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		const built = build(plan, Math.max(0, budget), tokenizer, count, pad, bos);
		if (!best || Math.abs(built.ids.length - len) < Math.abs(best.ids.length - len)) best = built;
		if (built.ids.length === len) break;
		budget += len - built.ids.length;
	}
	return best!;
}

function build(
	plan: HaystackPlan,
	budget: number,
	tokenizer: Tokenizer,
	count: (text: string) => number,
	pad: NonNullable<HaystackPlan['pad']>,
	bos: number[]
): Assembled {
	const next = plan.filler();
	const units: string[] = [];
	const offsets = [0];
	let used = 0;
	for (;;) {
		const unit = next();
		const size = count(unit);
		if (size === 0) throw new Error(`The ${plan.task} filler produced an empty unit`);
		if (used + size > budget) {
			if (budget > used) {
				const rest = pad(budget - used, unit, tokenizer);
				units.push(rest);
				used += count(rest);
				offsets.push(used);
			}
			break;
		}
		units.push(unit);
		used += size;
		offsets.push(used);
	}

	// Each needle goes to the last unit boundary at or before its depth (a sentence start).
	const boundaryOf = (depth: number) => {
		const target = depth * used;
		let boundary = 0;
		while (boundary < units.length && offsets[boundary + 1] <= target) boundary++;
		return boundary;
	};
	const placed = plan.needles
		.map((needle, order) => ({ needle, order, boundary: boundaryOf(needle.depth) }))
		.sort((a, b) => a.boundary - b.boundary || a.needle.depth - b.needle.depth || a.order - b.order);

	let prompt = plan.head;
	const charSpans: { start: number; end: number; needle: Needle; order: number }[] = [];
	let k = 0;
	for (let boundary = 0; boundary <= units.length; boundary++) {
		while (k < placed.length && placed[k].boundary === boundary) {
			const { needle, order } = placed[k++];
			charSpans.push({ start: prompt.length, end: prompt.length + needle.text.length, needle, order });
			prompt += needle.text;
		}
		if (boundary < units.length) prompt += units[boundary];
	}
	prompt += plan.tail;

	// Spans are the tokens that cover a character range, read from one tokenization of the
	// whole prompt (encoding a prefix alone can split a boundary token differently).
	const { ids, offsets: starts } = tokenizer.encodeWithOffsets(prompt);
	const tokenSpan = (from: number, to: number) => tokensCovering(starts, from, to, bos.length);
	const needleSpans: TokenSpan[] = [];
	const depths: number[] = new Array(plan.needles.length);
	for (const { start, end, needle, order } of charSpans) {
		needleSpans.push({ ...tokenSpan(start, end), kind: needle.kind, text: needle.text });
		for (const answer of needle.answers) {
			const at = needle.text.indexOf(answer);
			if (at < 0) throw new Error(`Answer "${answer}" is not inside its needle`);
			needleSpans.push({ ...tokenSpan(start + at, start + at + answer.length), kind: 'answer', text: answer });
		}
		depths[order] = used === 0 ? 0 : offsets[placed.find((p) => p.order === order)!.boundary] / used;
	}
	return { prompt, ids: [...bos, ...ids], needleSpans, depths };
}

/** Filler of haystack sentences, each after a space. */
export function sentenceFiller(kind: 'repeat' | 'essay', seed: number): HaystackPlan['filler'] {
	return () => {
		const next = sentenceSource(kind, seed);
		return () => ` ${next()}`;
	};
}

/** The task instance for an assembled prompt. */
export function instanceOf(
	task: string,
	len: number,
	built: Assembled,
	answer: Pick<TaskInstance, 'answers' | 'completion' | 'scoring'>,
	meta: Record<string, unknown> = {}
): TaskInstance {
	return {
		task,
		prompt: built.prompt,
		ids: built.ids,
		...answer,
		needleSpans: built.needleSpans,
		meta: { requestedTokens: len, tokens: built.ids.length, depth: built.depths[0], ...meta }
	};
}
