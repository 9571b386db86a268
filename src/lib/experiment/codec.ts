/**
 * Reading experiments from untrusted input (URL query strings, JSON) and writing them as
 * readable, canonical URLs. Reading never throws: each problem becomes a message and the
 * affected value falls back to its default.
 *
 * URL form: `?v=1&model=lab-rope&task=passkey&task.digits=5&len=512&depth=0.5&seed=7
 *            &attn=sink-window&attn.sink=4&attn.window=128&…&views=heatmap,kv&view.layer=2&view.head=3`
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
} from '../params/param-spec';
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
import { VIEW_PREFIX, readViewState, viewEntries } from './view-codec';
import { quote, visible } from '../quote';

export { quote, visible };

export interface InputProblem {
	/** The parameter the problem is about, as written in the input (shortened, made visible). */
	key: string;
	message: string;
}

type ReadValue = (key: string, spec: ParamSpec, raw: RawValue) => ParamValue | undefined;

export interface Decoded {
	experiment: Experiment;
	/** The first {@link MAX_PROBLEMS} problems, in input order. */
	problems: InputProblem[];
	/** How many problems there were in all (a hostile link can hold hundreds of thousands). */
	problemCount: number;
}

/** Longest query string we read; longer links are refused whole (a prompt of 200 000 characters fits). */
export const MAX_QUERY_LENGTH = 1_000_000;
/** Most parameters a link may hold (a canonical link has about fifty). */
export const MAX_QUERY_PARAMS = 2_000;
/** Problems kept with their messages; the rest are only counted. */
export const MAX_PROBLEMS = 50;
/** A problem's message, written only if the problem is among the first few kept. */
type Message = () => string;
type Report = (key: string, message: Message) => void;

/** Collects problems, keeping the first few whole and counting the rest. */
function problemList() {
	const problems: InputProblem[] = [];
	let count = 0;
	return {
		problems,
		report: ((key, message) => {
			if (count++ < MAX_PROBLEMS) problems.push({ key: visible(key), message: message() });
		}) as Report,
		get count() {
			return count;
		}
	};
}

function describeDefault(spec: ParamSpec): string {
	const value = formatParam(spec, spec.default as ParamValue);
	return value === '' ? 'the default (empty)' : `the default, ${value}`;
}

/** Reads a key → raw value list (first occurrence wins) into an experiment. */
export function decodeEntries(entries: Iterable<[string, RawValue]>, catalog: Catalog): Decoded {
	const list = problemList();
	const report = list.report;

	const given = new Map<string, RawValue>();
	for (const [key, raw] of entries) {
		if (given.has(key)) {
			report(key, () => `${quote(key)} was given more than once; the first value was used.`);
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
		report('v', () => `This link was made for format version ${quote(version)}; this lab reads version ${SCHEMA_VERSION}. Values were read as version ${SCHEMA_VERSION}.`);
	}

	const experiment = defaultExperiment(catalog);

	const readValue: ReadValue = (key, spec, raw) => {
		const read = readParam(spec, raw);
		if (read.ok) return read.value;
		report(key, () => `"${key}" is ${quote(raw)}, which ${read.reason}; using ${describeDefault(spec)}.`);
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

	const viewKeys = [...given.keys()].filter((key) => key.startsWith(VIEW_PREFIX));
	experiment.view = readViewState(new Map(viewKeys.map((key) => [key.slice(VIEW_PREFIX.length), take(key)])), report);

	for (const key of given.keys()) {
		report(key, () => `${quote(key)} is not a parameter of this lab and was ignored.`);
	}

	// The pieces were validated one by one; the whole must pass too, or the defaults are used.
	const whole = experimentSchema(catalog).safeParse(experiment);
	if (!whole.success) {
		report('', () => `The experiment could not be assembled (${whole.error.issues[0]?.message}); using the default experiment.`);
		return { experiment: defaultExperiment(catalog), problems: list.problems, problemCount: list.count };
	}
	return { experiment, problems: list.problems, problemCount: list.count };
}

function readChoice(
	slot: Slot,
	catalog: Catalog,
	take: (key: string) => RawValue,
	given: Map<string, RawValue>,
	report: Report,
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
			report(slot, () => `"${slot}" is ${quote(rawId)}, which is not a known ${SLOT_NAMES[slot]} (known: ${known}); using ${option.id}.`);
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
				report(key, () => `${quote(key)} is not a parameter of ${option.name} (${accepted}); it was ignored.`);
			}
			continue;
		}
		const value = readValue(key, spec, raw);
		if (value !== undefined) params[name] = value;
	}
	return { id: option.id, params };
}

function readViews(raw: RawValue, report: Report): ViewId[] {
	// Every view listed once, with room for spaces: anything longer is not a list this lab wrote.
	const longest = 4 * VIEW_IDS.join(',').length;
	if ((typeof raw === 'string' || Array.isArray(raw)) && raw.length > longest) {
		report('views', () => `"views" has ${raw.length.toLocaleString('en-US')} ${typeof raw === 'string' ? 'characters' : 'items'}, more than any list of views; showing all views.`);
		return [...VIEW_IDS];
	}
	const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : null;
	if (items === null) {
		report('views', () => `"views" is ${quote(raw)}, which is not a list of views; showing all views.`);
		return [...VIEW_IDS];
	}
	const views: ViewId[] = [];
	const unknown: unknown[] = [];
	for (const item of items) {
		const id = typeof item === 'string' ? item.trim() : item;
		if (id === '') continue;
		if (typeof id === 'string' && isViewId(id)) {
			if (!views.includes(id)) views.push(id);
		} else {
			unknown.push(item);
		}
	}
	if (unknown.length > 0) {
		report('views', () => {
			const named = unknown.slice(0, 3).map(quote).join(', ');
			const list = unknown.length > 3 ? `${named} and ${unknown.length - 3} more are not views` : `${named} ${unknown.length === 1 ? 'is not a view' : 'are not views'}`;
			return `${list} (views: ${VIEW_IDS.join(', ')}); left out.`;
		});
	}
	return VIEW_IDS.filter((id) => views.includes(id));
}

/**
 * Why a link is refused whole before it is parsed, or null: a link too long or with too many
 * parameters is not one this lab wrote, and reading it would only hold up the page.
 */
export function refusal(query: string, catalog: Catalog): Decoded | null {
	let message: string | null = null;
	if (query.length > MAX_QUERY_LENGTH) {
		message = `The link is ${query.length.toLocaleString('en-US')} characters long, more than the ${MAX_QUERY_LENGTH.toLocaleString('en-US')} this lab reads`;
	} else {
		let params = 1;
		for (let at = query.indexOf('&'); at >= 0 && params <= MAX_QUERY_PARAMS; at = query.indexOf('&', at + 1)) params++;
		if (params > MAX_QUERY_PARAMS) message = `The link has more than the ${MAX_QUERY_PARAMS.toLocaleString('en-US')} parameters this lab reads`;
	}
	if (message === null) return null;
	return { experiment: defaultExperiment(catalog), problems: [{ key: '', message: `${message}; it was not read, and the default experiment is shown.` }], problemCount: 1 };
}

/** Reads a URL query string (with or without the leading `?`). */
export function decodeQuery(query: string | URLSearchParams, catalog: Catalog): Decoded {
	const text = typeof query === 'string' ? query : query.toString();
	return refusal(text, catalog) ?? decodeEntries(new URLSearchParams(text), catalog);
}

/**
 * Reads an experiment given as an object, e.g. `{ len: 1024, attn: { id: 'sink-window',
 * params: { window: 64 } } }`, with the same messages and fallbacks as a URL.
 */
export function decodeObject(input: unknown, catalog: Catalog): Decoded {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		return {
			experiment: defaultExperiment(catalog),
			problems: [{ key: '', message: 'The experiment must be an object; using the default experiment.' }],
			problemCount: 1
		};
	}
	const entries: [string, RawValue][] = [];
	for (const [key, value] of Object.entries(input)) {
		if (key === 'view' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
			for (const [name, raw] of Object.entries(value)) entries.push([`${VIEW_PREFIX}${name}`, raw]);
			continue;
		}
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

/**
 * URL-escapes a value but keeps readable what a query may hold as is: `,` (lists, views) and
 * `:`, `/`, `@` (a hub model, `hf:org/name@commit`).
 */
function escape(value: string): string {
	return encodeURIComponent(value).replace(/%(2C|3A|2F|40)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The canonical query string of an experiment (without `?`): fixed order, every value explicit but the view state's defaults. */
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
	parts.push(...viewEntries(experiment.view));
	return parts.map(([key, value]) => `${key}=${escape(value)}`).join('&');
}
