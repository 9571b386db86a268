/**
 * The experiment: one plain object that says everything a run depends on, plus which views are
 * shown. Its schema is generated from the catalog.
 */
import { z } from 'zod';
import { SLOTS, defaultOption, type Catalog, type Slot } from './catalog';
import { defaultValues, specSchema, type ParamSpecs, type ParamValues } from './param-spec';
import { VIEW_IDS, type ViewId } from './views';

export interface Choice {
	id: string;
	params: ParamValues;
}

export interface Experiment extends Record<Slot, Choice> {
	model: string;
	/** Target prompt length in tokens of the model's tokenizer. */
	len: number;
	/** Where the needle sits in the haystack: 0 = start, 1 = end. */
	depth: number;
	seed: number;
	views: ViewId[];
}

export const SCHEMA_VERSION = 1;

export const FIELDS = {
	model: {
		kind: 'text',
		label: 'Model',
		maxLength: 64,
		pattern: {
			regex: /^[a-z0-9][a-z0-9._-]*$/,
			hint: 'must be a model id: lower-case letters, digits, ".", "_" or "-"'
		},
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

export function defaultExperiment(catalog: Catalog): Experiment {
	const choices = Object.fromEntries(
		SLOTS.map((slot) => {
			const option = defaultOption(catalog, slot);
			return [slot, { id: option.id, params: defaultValues(option.params) }];
		})
	) as Record<Slot, Choice>;
	return {
		model: FIELDS.model.default,
		len: FIELDS.len.default,
		depth: FIELDS.depth.default,
		seed: FIELDS.seed.default,
		...choices,
		views: [...VIEW_IDS]
	};
}

function paramsSchema(specs: ParamSpecs) {
	return z.strictObject(
		Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, specSchema(spec)]))
	);
}

function choiceSchema(catalog: Catalog, slot: Slot) {
	const options = catalog[slot].map((option) =>
		z.strictObject({ id: z.literal(option.id), params: paramsSchema(option.params) })
	);
	return z.union(options);
}

function buildSchema(catalog: Catalog) {
	return z.strictObject({
		model: specSchema(FIELDS.model),
		len: specSchema(FIELDS.len),
		depth: specSchema(FIELDS.depth),
		seed: specSchema(FIELDS.seed),
		...Object.fromEntries(SLOTS.map((slot) => [slot, choiceSchema(catalog, slot)])),
		views: z.array(z.enum(VIEW_IDS as [ViewId, ...ViewId[]]))
	});
}

const schemas = new WeakMap<Catalog, ReturnType<typeof buildSchema>>();

/** The full schema of an experiment object; built once per catalog (zod schemas are costly). */
export function experimentSchema(catalog: Catalog) {
	let schema = schemas.get(catalog);
	if (!schema) {
		schema = buildSchema(catalog);
		schemas.set(catalog, schema);
	}
	return schema;
}
