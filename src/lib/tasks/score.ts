/**
 * Scoring a generated continuation against a task instance.
 * - `exact`: the output, after leading spaces, must begin with the answer as a whole value
 *   (case-insensitive): "40917." is right, "409170" and "40918" are not. `partial` is the
 *   share of the answer's characters the output gets right, position by position.
 * - `all`: RULER's `string_match_all` (share of references found in the output), matched as
 *   whole words rather than RULER's bare substrings, so "409170" does not count for "40917".
 */
import type { TaskInstance } from './types';

export interface Score {
	scored: boolean;
	correct: boolean;
	/** 0–1. */
	partial: number;
}

const VALUE_CHAR = /[\p{L}\p{N}_-]/u;

/** RULER lower-cases predictions and drops control characters before matching. */
function normalise(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.toLowerCase().replace(/[\u0000-\u001f\u007f]/g, ' ');
}

function leadingValue(output: string): string {
	const chars = [...output.trimStart()];
	let end = 0;
	while (end < chars.length && VALUE_CHAR.test(chars[end])) end++;
	return chars.slice(0, end).join('');
}

function containsWord(haystack: string, word: string): boolean {
	let from = 0;
	for (;;) {
		const at = haystack.indexOf(word, from);
		if (at < 0) return false;
		const before = at === 0 ? '' : haystack[at - 1];
		const after = haystack[at + word.length] ?? '';
		if (!VALUE_CHAR.test(before) && !VALUE_CHAR.test(after)) return true;
		from = at + 1;
	}
}

export function scoreOutput(instance: Pick<TaskInstance, 'answers' | 'scoring'>, output: string): Score {
	const text = normalise(output);
	const answers = instance.answers.map(normalise);
	if (instance.scoring === 'none' || answers.length === 0) return { scored: false, correct: false, partial: 0 };
	if (instance.scoring === 'exact') {
		const answer = answers[0];
		const value = leadingValue(text);
		let same = 0;
		for (let i = 0; i < answer.length; i++) if (value[i] === answer[i]) same++;
		return { scored: true, correct: value === answer, partial: same / answer.length };
	}
	const found = answers.filter((answer) => containsWord(text, answer)).length;
	return { scored: true, correct: found === answers.length, partial: found / answers.length };
}
