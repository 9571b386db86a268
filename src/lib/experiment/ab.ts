/**
 * A/B links: experiment A as usual, and B as the techniques that differ, prefixed `b.`
 * (`…&attn=full&b.attn=sink-window&b.attn.window=64`). B shares A's model and prompt, so the two
 * runs read the same tokens; only the technique slots may differ.
 */
import { SLOTS, type Catalog, type Slot } from './catalog';
import { MAX_PROBLEMS, decodeEntries, encodeQuery, quote, refusal, visible, type InputProblem } from './codec';
import type { Experiment } from './schema';

export const B_PREFIX = 'b.';
export const TECHNIQUE_SLOTS: readonly Slot[] = SLOTS.filter((slot) => slot !== 'task');

export interface DecodedAB {
	a: Experiment;
	b: Experiment | null;
	/** The first problems of A and B together, and how many there were in all. */
	problems: InputProblem[];
	problemCount: number;
}

const slotOf = (key: string) => key.split('.')[0];

export function decodeAB(query: string, catalog: Catalog): DecodedAB {
	const refused = refusal(query, catalog);
	if (refused) return { a: refused.experiment, b: null, problems: refused.problems, problemCount: refused.problemCount };
	const params = [...new URLSearchParams(query)];
	const aEntries = params.filter(([key]) => !key.startsWith(B_PREFIX));
	const bEntries = params.filter(([key]) => key.startsWith(B_PREFIX)).map(([key, value]) => [key.slice(B_PREFIX.length), value] as [string, string]);
	const a = decodeEntries(aEntries, catalog);
	if (bEntries.length === 0) return { a: a.experiment, b: null, problems: a.problems, problemCount: a.problemCount };

	const isTechnique = ([key]: [string, string]) => (TECHNIQUE_SLOTS as readonly string[]).includes(slotOf(key));
	const allowed = bEntries.filter(isTechnique);
	const ignored = bEntries.filter((entry) => !isTechnique(entry));
	const overridden = new Set(allowed.map(([key]) => slotOf(key)));
	// B starts from A's canonical entries, minus the slots it sets itself.
	const inherited = [...new URLSearchParams(encodeQuery(a.experiment, catalog))].filter(([key]) => !overridden.has(slotOf(key)));
	const b = decodeEntries([...inherited, ...allowed], catalog);
	const problems = [
		...a.problems,
		...ignored.slice(0, MAX_PROBLEMS).map(([key]) => ({
			key: visible(B_PREFIX + key),
			message: `${quote(B_PREFIX + key)} was ignored: B shares A's model and prompt; only attn, kv, prune and pos may differ.`
		})),
		...b.problems.map((p) => ({ key: B_PREFIX + p.key, message: `B: ${p.message}` }))
	].slice(0, MAX_PROBLEMS);
	return { a: a.experiment, b: b.experiment, problems, problemCount: a.problemCount + ignored.length + b.problemCount };
}

/** A's canonical query plus B's technique slots that differ from A. */
export function encodeAB(a: Experiment, b: Experiment | null, catalog: Catalog): string {
	const query = encodeQuery(a, catalog);
	if (!b) return query;
	const bParams = new URLSearchParams(encodeQuery(b, catalog));
	const extra: string[] = [];
	for (const slot of TECHNIQUE_SLOTS) {
		if (JSON.stringify(a[slot]) === JSON.stringify(b[slot])) continue;
		for (const [key, value] of bParams) {
			if (slotOf(key) === slot) extra.push(`${B_PREFIX}${key}=${encodeURIComponent(value).replace(/%2C/g, ',')}`);
		}
	}
	// B identical to A still needs one key to exist: its attention pattern.
	if (extra.length === 0) extra.push(`${B_PREFIX}attn=${b.attn.id}`);
	return `${query}&${extra.join('&')}`;
}
