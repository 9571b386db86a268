/** Checks generator parameters against the task's specs, with the same messages as a URL. */
import { readParam, type ParamSpecs } from '../params/param-spec';
import { FIELDS } from '../params/fields';
import { TaskError, type TaskParams } from './types';

export function checkParams(task: string, specs: ParamSpecs, params: Partial<TaskParams>): TaskParams {
	const checked: Record<string, unknown> = {};
	const all = { len: FIELDS.len, depth: FIELDS.depth, ...specs };
	for (const [name, spec] of Object.entries(all)) {
		const raw = params[name];
		if (raw === undefined) {
			checked[name] = spec.default;
			continue;
		}
		const read = readParam(spec, raw);
		if (!read.ok) throw new TaskError(`${task}: "${name}" is ${JSON.stringify(raw)}, which ${read.reason}.`);
		checked[name] = read.value;
	}
	return checked as TaskParams;
}

export const TEMPLATE_PARAM = {
	kind: 'enum',
	label: 'Prompt wording',
	description: '"compact" suits small byte-level models; "ruler" is the benchmark\'s own wording.',
	options: ['compact', 'ruler'],
	default: 'compact'
} as const;

/** "essay" names the generated prose it has always named, so saved links keep their prompts. */
export const HAYSTACK_PARAM = {
	kind: 'enum',
	label: 'Haystack',
	description: 'Repeated noise sentences, generated essay-like prose, or public-domain books (Thoreau, Emerson, Franklin, Darwin: real text, as RULER uses essays; 2.3 MB, loaded when chosen).',
	options: ['repeat', 'essay', 'books'],
	default: 'repeat'
} as const;
