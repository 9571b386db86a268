/**
 * The experiment: one plain object that says everything a run depends on, plus which views are
 * shown. Its schema is generated from the catalog.
 */
import { z } from 'zod';
import { SLOTS, defaultOption, type Catalog, type Slot } from './catalog';
import { defaultValues, specSchema, type ParamSpecs, type ParamValues } from '../params/param-spec';
import { DEFAULT_VIEW_STATE, HEAD_METRICS, HEATMAP_SCALES, VIEW_IDS, type ViewId, type ViewState } from './views';
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
	/** How the views are looked at (heatmap head, colour scale, zoom, head-grid metric); like `views`, not part of the run. */
	view: ViewState;
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
		views: [...VIEW_IDS],
		view: { ...DEFAULT_VIEW_STATE }
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

const index = z.number().int().min(0);
const viewSchema = z.strictObject({
	layer: index.nullable(),
	head: index.nullable(),
	scale: z.enum(HEATMAP_SCALES),
	zoom: z.strictObject({ q0: index, q1: index, k0: index, k1: index }).nullable(),
	metric: z.enum(HEAD_METRICS)
});

function buildSchema(catalog: Catalog) {
	return z.strictObject({
		model: specSchema(FIELDS.model),
		len: specSchema(FIELDS.len),
		depth: specSchema(FIELDS.depth),
		seed: specSchema(FIELDS.seed),
		...Object.fromEntries(SLOTS.map((slot) => [slot, choiceSchema(catalog, slot)])),
		views: z.array(z.enum(VIEW_IDS as [ViewId, ...ViewId[]])),
		view: viewSchema
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
