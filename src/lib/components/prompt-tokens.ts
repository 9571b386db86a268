/**
 * The prompt view's tokens: each token's own stretch of the prompt, cut at the tokenizer's
 * offsets (decoding tokens one by one garbles characters split over byte tokens), its label, and
 * whether a needle, an answer or a distractor holds it, in runs that a view marks whole. A long
 * prompt keeps its start, its end and the tokens around each needle; the rest is counted, not drawn.
 */
import type { TaskInstance } from '$lib/tasks/types';
import type { Tokenizer } from '$lib/tokenizers/types';

export type TokenMark = 'needle' | 'answer' | 'distractor' | null;

export interface PromptToken {
	index: number;
	id: number;
	/** The token's characters; empty for a byte inside a split character. */
	text: string;
	label: string;
	/** A token before the prompt's text (BOS): it has a label but no characters. */
	special: boolean;
	mark: TokenMark;
}

/** Consecutive tokens inside one needle or distractor (its answer included), or outside any. */
export interface PromptRun {
	mark: 'needle' | 'distractor' | null;
	tokens: PromptToken[];
}

export type PromptItem = PromptRun | { skipped: number };

/** Prompts up to this many tokens are drawn whole. */
export const DRAWN_TOKENS = 4096;
const EDGE = 256;
const AROUND = 128;

function marks(instance: Pick<TaskInstance, 'ids' | 'needleSpans'>): TokenMark[] {
	const out: TokenMark[] = new Array(instance.ids.length).fill(null);
	// Answers last: they sit inside their needle and win.
	const order = { distractor: 0, needle: 1, answer: 2 } as const;
	for (const span of [...instance.needleSpans].sort((a, b) => order[a.kind] - order[b.kind])) {
		for (let i = span.start; i < Math.min(span.end, out.length); i++) out[i] = span.kind;
	}
	return out;
}

/** Ranges [start, end) of tokens to draw, ascending and disjoint. */
function drawnRanges(instance: Pick<TaskInstance, 'ids' | 'needleSpans'>, budget: number): [number, number][] {
	const n = instance.ids.length;
	if (n <= budget) return [[0, n]];
	const wanted: [number, number][] = [[0, EDGE], [n - EDGE, n], ...instance.needleSpans.map((s): [number, number] => [s.start - AROUND, s.end + AROUND])];
	const ranges: [number, number][] = [];
	for (const [from, to] of wanted.map(([a, b]) => [Math.max(0, a), Math.min(n, b)]).sort((a, b) => a[0] - b[0])) {
		const last = ranges.at(-1);
		if (last && from <= last[1]) last[1] = Math.max(last[1], to);
		else ranges.push([from, to]);
	}
	return ranges;
}

/** Null where the tokenizer does not give the instance's ids back for its prompt (a mismatch to report, not draw). */
export function promptTokens(instance: Pick<TaskInstance, 'prompt' | 'ids' | 'needleSpans'>, tokenizer: Tokenizer, budget = DRAWN_TOKENS): PromptItem[] | null {
	const { ids, offsets } = tokenizer.encodeWithOffsets(instance.prompt);
	const lead = instance.ids.length - ids.length;
	if (lead < 0 || ids.some((id, k) => id !== instance.ids[lead + k])) return null;
	const marked = marks(instance);
	const token = (index: number): PromptToken => {
		const k = index - lead;
		const text = k < 0 ? '' : instance.prompt.slice(offsets[k], k + 1 < offsets.length ? offsets[k + 1] : instance.prompt.length);
		return { index, id: instance.ids[index], text, label: tokenizer.label(instance.ids[index]), special: k < 0, mark: marked[index] };
	};
	const items: PromptItem[] = [];
	let at = 0;
	for (const [from, to] of drawnRanges(instance, budget)) {
		if (from > at) items.push({ skipped: from - at });
		const runs: PromptRun[] = [];
		for (let i = from; i < to; i++) {
			const mark = marked[i] === 'answer' ? 'needle' : (marked[i] as PromptRun['mark']);
			if (runs.at(-1)?.mark !== mark) runs.push({ mark, tokens: [] });
			runs.at(-1)!.tokens.push(token(i));
		}
		items.push(...runs);
		at = to;
	}
	return items;
}
