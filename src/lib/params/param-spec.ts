/**
 * Parameter specifications: the single description of a knob from which validation, URL
 * parsing, UI controls and docs are all derived.
 */
import { z } from 'zod';

interface SpecBase {
	label: string;
	description?: string;
	unit?: string;
}

export interface IntSpec extends SpecBase {
	kind: 'int';
	min: number;
	max: number;
	default: number;
}
export interface NumberSpec extends SpecBase {
	kind: 'number';
	min: number;
	max: number;
	/** Smallest meaningful change; used by sliders, never by validation. */
	step?: number;
	default: number;
}
export interface EnumSpec extends SpecBase {
	kind: 'enum';
	options: readonly string[];
	default: string;
}
export interface BoolSpec extends SpecBase {
	kind: 'bool';
	default: boolean;
}
export interface IntListSpec extends SpecBase {
	kind: 'int-list';
	min: number;
	max: number;
	maxItems: number;
	default: readonly number[];
}
export interface TextSpec extends SpecBase {
	kind: 'text';
	maxLength: number;
	/** Optional shape the text must have, with a hint that explains it. */
	pattern?: { regex: RegExp; hint: string };
	/** A shape a regular expression cannot say: why a text does not have it (a clause following "…, which"), or null. */
	check?: (text: string) => string | null;
	/**
	 * A document: its control takes a paste or a file, and keeps a text too long for a link in the
	 * browser, the value then naming it by content hash (`sha256:<hex>`).
	 */
	document?: boolean;
	default: string;
}

export type ParamSpec = IntSpec | NumberSpec | EnumSpec | BoolSpec | IntListSpec | TextSpec;
export type ParamValue = number | string | boolean | number[];
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;
export type ParamValues = Record<string, ParamValue>;

/** A value as it arrives: a URL gives strings, JSON gives typed values. */
export type RawValue = unknown;

type Parsed = { ok: true; value: ParamValue } | { ok: false; reason: string };

// Each character has one way to match, so a failing match costs linear time (a pattern like
// `\d+\.?\d*` splits a run of digits two ways and takes quadratic time on `111…1x`).
const INT = /^-?\d+$/;
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(raw: RawValue, integer: boolean): Parsed {
	if (typeof raw === 'number') {
		if (!Number.isFinite(raw)) return { ok: false, reason: 'is not a finite number' };
		return { ok: true, value: raw + 0 };
	}
	if (typeof raw !== 'string') return { ok: false, reason: 'is not a number' };
	const text = raw.trim();
	if (!(integer ? INT : DECIMAL).test(text)) {
		return { ok: false, reason: integer ? 'is not a whole number' : 'is not a number' };
	}
	const value = Number(text);
	if (!Number.isFinite(value)) return { ok: false, reason: 'is too large to be a number' };
	// −0 would round-trip as "-0": one number, one spelling.
	return { ok: true, value: value + 0 };
}

function parseBool(raw: RawValue): Parsed {
	if (typeof raw === 'boolean') return { ok: true, value: raw };
	if (raw === 'true' || raw === '1') return { ok: true, value: true };
	if (raw === 'false' || raw === '0') return { ok: true, value: false };
	return { ok: false, reason: 'must be true or false' };
}

function parseIntList(raw: RawValue): Parsed {
	const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
	if (items === null) return { ok: false, reason: 'is not a list of whole numbers' };
	if (typeof raw === 'string' && raw.trim() === '') return { ok: true, value: [] };
	const values: number[] = [];
	for (const item of items) {
		const parsed = parseNumber(item, true);
		if (!parsed.ok || !Number.isInteger(parsed.value)) {
			return { ok: false, reason: 'is not a comma-separated list of whole numbers' };
		}
		values.push(parsed.value as number);
	}
	return { ok: true, value: values };
}

/** Turns a raw value into the spec's type; range checks are left to {@link specSchema}. */
export function parseParam(spec: ParamSpec, raw: RawValue): Parsed {
	switch (spec.kind) {
		case 'int':
			return parseNumber(raw, true);
		case 'number':
			return parseNumber(raw, false);
		case 'bool':
			return parseBool(raw);
		case 'int-list':
			return parseIntList(raw);
		case 'enum':
		case 'text':
			return typeof raw === 'string' ? { ok: true, value: raw } : { ok: false, reason: 'is not text' };
	}
}

/** Built once per spec: building a zod schema costs far more than checking a value with it. */
const schemas = new WeakMap<ParamSpec, z.ZodType<ParamValue>>();

/** The zod schema of one parameter, with messages a workshop attendee can act on. */
export function specSchema(spec: ParamSpec): z.ZodType<ParamValue> {
	let schema = schemas.get(spec);
	if (!schema) schemas.set(spec, (schema = buildSchema(spec)));
	return schema;
}

function buildSchema(spec: ParamSpec): z.ZodType<ParamValue> {
	switch (spec.kind) {
		case 'int':
			return z
				.number({ error: 'must be a number' })
				// Range first: a huge integer is reported as too large, not as "not whole".
				.min(spec.min, { error: `must be at least ${spec.min}` })
				.max(spec.max, { error: `must be at most ${spec.max}` })
				.int({ error: 'must be a whole number' });
		case 'number':
			return z
				.number({ error: 'must be a number' })
				.min(spec.min, { error: `must be at least ${spec.min}` })
				.max(spec.max, { error: `must be at most ${spec.max}` });
		case 'bool':
			return z.boolean({ error: 'must be true or false' });
		case 'enum':
			return z.enum(spec.options as [string, ...string[]], {
				error: `must be one of ${spec.options.join(', ')}`
			});
		case 'text': {
			const text = z
				.string({ error: 'must be text' })
				.max(spec.maxLength, { error: `must be at most ${spec.maxLength} characters` });
			const { pattern, check } = spec;
			const shaped = pattern ? text.regex(pattern.regex, { error: pattern.hint }) : text;
			if (!check) return shaped;
			return shaped.superRefine((value, context) => {
				const problem = check(value);
				if (problem !== null) context.addIssue({ code: 'custom', message: problem });
			});
		}
		case 'int-list':
			return z
				.array(
					z
						.number()
						.int({ error: 'must hold whole numbers' })
						.min(spec.min, { error: `must hold numbers of at least ${spec.min}` })
						.max(spec.max, { error: `must hold numbers of at most ${spec.max}` })
				)
				.max(spec.maxItems, { error: `must have at most ${spec.maxItems} items` });
	}
}

/** Parses and validates; returns the value or one human-readable reason. */
export function readParam(spec: ParamSpec, raw: RawValue): Parsed {
	const parsed = parseParam(spec, raw);
	if (!parsed.ok) return parsed;
	const checked = specSchema(spec).safeParse(parsed.value);
	if (checked.success) return { ok: true, value: checked.data };
	return { ok: false, reason: checked.error.issues[0]?.message ?? 'is not valid' };
}

/** The URL form of a value; `readParam(spec, formatParam(spec, v))` gives `v` back. */
export function formatParam(spec: ParamSpec, value: ParamValue): string {
	if (spec.kind === 'int-list') return (value as number[]).join(',');
	return String(value);
}

export function defaultValues(specs: ParamSpecs): ParamValues {
	const values: ParamValues = {};
	for (const [name, spec] of Object.entries(specs)) {
		values[name] = spec.kind === 'int-list' ? [...spec.default] : spec.default;
	}
	return values;
}
