/**
 * The experiment: one plain object that says everything a run depends on, plus which views are
 * shown. Its schema is generated from the catalog.
 */
import { z } from 'zod';
import { SLOTS, defaultOption, type Catalog, type Slot } from './catalog';
import { defaultValues, specSchema, type ParamSpecs, type ParamValues } from '../params/param-spec';
import { VIEW_IDS, type ViewId } from './views';
import { FIELDS, type Field } from '../params/fields';

export { FIELDS, type Field };

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
