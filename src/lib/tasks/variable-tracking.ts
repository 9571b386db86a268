/**
 * Variable tracking (RULER `vt`): chains "VAR ABCDE = 12345. … VAR FGHIJ = VAR ABCDE." hidden
 * in noise; the model must name every variable that holds the queried value. Extra chains
 * with other values are distractors. The queried chain starts at the chosen depth and its
 * later links follow at random later positions, as RULER scatters them in sorted order.
 */
import { createRng, deriveSeed, distinct, type Rng } from '../random';
import type { Tokenizer } from '../tokenizers/types';
import { assembleHaystack, instanceOf, sentenceFiller, type Needle } from './haystack';
import { TEMPLATE_PARAM, checkParams } from './params';
import type { TaskDefinition, TaskParams } from './types';

const params = {
	chains: { kind: 'int', label: 'Chains', description: 'One is queried; the others are distractors.', min: 1, max: 4, default: 1 },
	hops: { kind: 'int', label: 'Hops', description: 'Assignments after the first in each chain.', min: 1, max: 8, default: 4 },
	template: TEMPLATE_PARAM
} as const;

function variableName(rng: Rng): string {
	let name = '';
	for (let i = 0; i < 5; i++) name += String.fromCharCode(65 + rng.int(0, 25));
	return name;
}

/** Sorted random depths in [from, 1), the first exactly `from` when `pinFirst`. */
function sortedDepths(rng: Rng, count: number, from: number, pinFirst: boolean): number[] {
	const depths = Array.from({ length: count }, () => from + rng.next() * (1 - from)).sort((a, b) => a - b);
	if (pinFirst) depths[0] = from;
	return depths;
}

export const variableTracking: TaskDefinition = {
	id: 'variable-tracking',
	name: 'Variable tracking',
	summary: 'Chains of variable assignments hidden in noise; the model must list every variable equal to a value.',
	params,
	generate(input: Partial<TaskParams>, seed: number, tokenizer: Tokenizer) {
		const p = checkParams('variable-tracking', params, input);
		const rng = createRng(deriveSeed(seed, 'vt'));
		const chainCount = p.chains as number;
		const links = (p.hops as number) + 1;
		const names = distinct(chainCount * links, () => variableName(rng));
		const values = distinct(chainCount, () => String(rng.int(10000, 99999)));
		const needles: Needle[] = [];
		for (let c = 0; c < chainCount; c++) {
			const queried = c === 0;
			const depths = queried ? sortedDepths(rng, links, p.depth, true) : sortedDepths(rng, links, 0, false);
			for (let i = 0; i < links; i++) {
				const name = names[c * links + i];
				const source = i === 0 ? values[c] : `VAR ${names[c * links + i - 1]}`;
				needles.push({
					text: ` VAR ${name} = ${source}.`,
					depth: depths[i],
					kind: queried ? 'needle' : 'distractor',
					answers: queried ? [name] : []
				});
			}
		}
		const answers = names.slice(0, links);
		const value = values[0];
		const ruler = p.template === 'ruler';
		const built = assembleHaystack(
			{
				task: 'variable-tracking',
				head: ruler ? 'Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n' : '',
				tail: ruler
					? `\nQuestion: Find all variables that are assigned the value ${value} in the text above. Answer: According to the chain(s) of variable assignment in the text above, ${links} variables are assigned the value ${value}, they are:`
					: `\nWhich variables equal ${value}? They are:`,
				needles,
				filler: sentenceFiller('repeat', seed)
			},
			p.len,
			tokenizer
		);
		return instanceOf('variable-tracking', p.len, built, { answers, completion: ` ${answers.join(' ')}.`, scoring: 'all' }, { value });
	}
};
