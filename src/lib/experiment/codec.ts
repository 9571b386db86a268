/**
 * Reading experiments from untrusted input (URL query strings, JSON) and writing them as
 * readable, canonical URLs. Reading never throws: each problem becomes a message and the
 * affected value falls back to its default.
 *
 * URL form: `?v=1&model=lab-rope&task=passkey&task.digits=5&len=512&depth=0.5&seed=7
 *            &attn=sink-window&attn.sink=4&attn.window=128&…&views=heatmap,kv`
 */
import { SLOTS, SLOT_NAMES, defaultOption, findOption, type Catalog, type Slot } from './catalog';
import {
	defaultValues,
	formatParam,
	readParam,
	type ParamSpec,
	type ParamValue,
	type ParamValues,
	type RawValue
} from './param-spec';
import {
	FIELDS,
	SCHEMA_VERSION,
	defaultExperiment,
	experimentSchema,
	type Choice,
	type Experiment,
	type Field
} from './schema';
import { VIEW_IDS, isViewId, type ViewId } from './views';

export interface InputProblem {
	/** The parameter the problem is about, as written in the input. */
	key: string;
	message: string;
}

type ReadValue = (key: string, spec: ParamSpec, raw: RawValue) => ParamValue | undefined;

export interface Decoded {
	experiment: Experiment;
	problems: InputProblem[];
}

/** Longest query string we read; longer ones are cut (a prompt of 200 000 characters fits). */
export const MAX_QUERY_LENGTH = 1_000_000;

/** Shows an untrusted value in a message: quoted, escaped and short. */
export function quote(raw: RawValue): string {
	const text = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw);
	const short = text.length > 40 ? `${text.slice(0, 37)}…` : text;
	return JSON.stringify(short);
}

function describeDefault(spec: ParamSpec): string {
	const value = formatParam(spec, spec.default as ParamValue);
	return value === '' ? 'the default (empty)' : `the default, ${value}`;
}

/** Reads a key → raw value list (first occurrence wins) into an experiment. */
export function decodeEntries(entries: Iterable<[string, RawValue]>, catalog: Catalog): Decoded {
	const problems: InputProblem[] = [];
	const report = (key: string, message: string) => problems.push({ key, message });

	const given = new Map<string, RawValue>();
	for (const [key, raw] of entries) {
		if (given.has(key)) {
			report(key, `"${key}" was given more than once; the first value was used.`);
		} else {
			given.set(key, raw);
		}
	}
	const take = (key: string) => {
		const raw = given.get(key);
		given.delete(key);
		return raw;
	};

	const version = take('v');
	if (version !== undefined && String(version) !== String(SCHEMA_VERSION)) {
		report('v', `This link was made for format version ${quote(version)}; this lab reads version ${SCHEMA_VERSION}. Values were read as version ${SCHEMA_VERSION}.`);
	}

	const experiment = defaultExperiment(catalog);

	const readValue: ReadValue = (key, spec, raw) => {
		const read = readParam(spec, raw);
		if (read.ok) return read.value;
		report(key, `"${key}" is ${quote(raw)}, which ${read.reason}; using ${describeDefault(spec)}.`);
		return undefined;
	};

	for (const field of Object.keys(FIELDS) as Field[]) {
		const raw = take(field);
		if (raw === undefined) continue;
		const value = readValue(field, FIELDS[field], raw);
		if (value !== undefined) (experiment as unknown as Record<string, unknown>)[field] = value;
	}

	for (const slot of SLOTS) {
		experiment[slot] = readChoice(slot, catalog, take, given, report, readValue);
	}

	const views = take('views');
	if (views !== undefined) experiment.views = readViews(views, report);

	for (const key of given.keys()) {
		report(key, `"${key}" is not a parameter of this lab and was ignored.`);
	}

	// The pieces were validated one by one; the whole must pass too, or the defaults are used.
	const whole = experimentSchema(catalog).safeParse(experiment);
	if (!whole.success) {
		report('', `The experiment could not be assembled (${whole.error.issues[0]?.message}); using the default experiment.`);
		return { experiment: defaultExperiment(catalog), problems };
	}
	return { experiment, problems };
}

function readChoice(
	slot: Slot,
	catalog: Catalog,
	take: (key: string) => RawValue,
	given: Map<string, RawValue>,
	report: (key: string, message: string) => void,
	readValue: ReadValue
): Choice {
	const rawId = take(slot);
	let option = defaultOption(catalog, slot);
	let knownId = true;
	if (rawId !== undefined) {
		const found = typeof rawId === 'string' ? findOption(catalog, slot, rawId) : undefined;
		if (found) {
			option = found;
		} else {
			knownId = false;
			const known = catalog[slot].map((o) => o.id).join(', ');
			report(slot, `"${slot}" is ${quote(rawId)}, which is not a known ${SLOT_NAMES[slot]} (known: ${known}); using ${option.id}.`);
		}
	}

	const params: ParamValues = defaultValues(option.params);
	const prefix = `${slot}.`;
	for (const key of [...given.keys()].filter((k) => k.startsWith(prefix))) {
		const raw = take(key);
		const name = key.slice(prefix.length);
		const spec = Object.hasOwn(option.params, name) ? option.params[name] : undefined;
		if (!spec) {
			// After an unknown id its parameters cannot be checked; the id's message covers them.
			if (knownId) {
				const names = Object.keys(option.params);
				const accepted = names.length ? `its parameters are ${names.join(', ')}` : 'it has no parameters';
				report(key, `"${key}" is not a parameter of ${option.name} (${accepted}); it was ignored.`);
			}
			continue;
		}
		const value = readValue(key, spec, raw);
		if (value !== undefined) params[name] = value;
	}
	return { id: option.id, params };
}

function readViews(raw: RawValue, report: (key: string, message: string) => void): ViewId[] {
	const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : null;
	if (items === null) {
		report('views', `"views" is ${quote(raw)}, which is not a list of views; showing all views.`);
		return [...VIEW_IDS];
	}
	const views: ViewId[] = [];
	for (const item of items) {
		const id = typeof item === 'string' ? item.trim() : item;
		if (id === '') continue;
		if (typeof id === 'string' && isViewId(id)) {
			if (!views.includes(id)) views.push(id);
		} else {
			report('views', `${quote(item)} is not a view (views: ${VIEW_IDS.join(', ')}); it was left out.`);
		}
	}
	return VIEW_IDS.filter((id) => views.includes(id));
}

/** Reads a URL query string (with or without the leading `?`). */
export function decodeQuery(query: string | URLSearchParams, catalog: Catalog): Decoded {
	let text = typeof query === 'string' ? query : query.toString();
	const problems: InputProblem[] = [];
	if (text.length > MAX_QUERY_LENGTH) {
		problems.push({ key: '', message: `The link is ${text.length} characters long; only the first ${MAX_QUERY_LENGTH} were read.` });
		text = text.slice(0, MAX_QUERY_LENGTH);
	}
	const decoded = decodeEntries(new URLSearchParams(text), catalog);
	return { experiment: decoded.experiment, problems: [...problems, ...decoded.problems] };
}

/**
 * Reads an experiment given as an object, e.g. `{ len: 1024, attn: { id: 'sink-window',
 * params: { window: 64 } } }`, with the same messages and fallbacks as a URL.
 */
export function decodeObject(input: unknown, catalog: Catalog): Decoded {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		return {
			experiment: defaultExperiment(catalog),
			problems: [{ key: '', message: 'The experiment must be an object; using the default experiment.' }]
		};
	}
	const entries: [string, RawValue][] = [];
	for (const [key, value] of Object.entries(input)) {
		const isChoice = (SLOTS as readonly string[]).includes(key) && typeof value === 'object' && value !== null;
		if (!isChoice) {
			entries.push([key, value]);
			continue;
		}
		const { id, params, ...rest } = value as { id?: unknown; params?: unknown };
		if (id !== undefined) entries.push([key, id]);
		for (const extra of Object.keys(rest)) entries.push([`${key}.${extra}`, (rest as Record<string, unknown>)[extra]]);
		if (typeof params === 'object' && params !== null) {
			for (const [name, raw] of Object.entries(params)) entries.push([`${key}.${name}`, raw]);
		}
	}
	return decodeEntries(entries, catalog);
}

/** URL-escapes a value but keeps `,` readable (lists, views). */
function escape(value: string): string {
	return encodeURIComponent(value).replace(/%2C/g, ',');
}

/** The canonical query string of an experiment (without `?`): fixed order, every value explicit. */
export function encodeQuery(experiment: Experiment, catalog: Catalog): string {
	const parts: [string, string][] = [['v', String(SCHEMA_VERSION)]];
	const field = (name: Field) => parts.push([name, formatParam(FIELDS[name], experiment[name])]);
	const choice = (slot: Slot) => {
		const { id, params } = experiment[slot];
		parts.push([slot, id]);
		const option = findOption(catalog, slot, id);
		if (!option) throw new Error(`Unknown ${SLOT_NAMES[slot]} "${id}"`);
		for (const [name, spec] of Object.entries(option.params)) {
			parts.push([`${slot}.${name}`, formatParam(spec, params[name] ?? spec.default)]);
		}
	};
	field('model');
	choice('task');
	field('len');
	field('depth');
	field('seed');
	for (const slot of SLOTS) if (slot !== 'task') choice(slot);
	parts.push(['views', experiment.views.join(',')]);
	return parts.map(([key, value]) => `${key}=${escape(value)}`).join('&');
}
