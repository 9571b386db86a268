/** The experiment's own fields (model, length, depth, seed): tasks read length and depth too. */
import { MAX_MODEL_ID_LENGTH, modelIdProblem } from './model-id';
import type { ParamSpecs } from './param-spec';

export const FIELDS = {
	model: {
		kind: 'text',
		label: 'Model',
		maxLength: MAX_MODEL_ID_LENGTH,
		check: modelIdProblem,
		default: 'lab-rope'
	},
	len: {
		kind: 'int',
		label: 'Context length',
		unit: 'tokens',
		min: 16,
		max: 131_072,
		default: 512
	},
	depth: {
		kind: 'number',
		label: 'Needle depth',
		description: '0 puts the needle at the start of the haystack, 1 at its end.',
		min: 0,
		max: 1,
		step: 0.05,
		default: 0.5
	},
	seed: {
		kind: 'int',
		label: 'Seed',
		min: 0,
		max: 2 ** 31 - 1,
		default: 1
	}
} as const satisfies ParamSpecs;

export type Field = keyof typeof FIELDS;
