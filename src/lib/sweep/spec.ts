/**
 * A sweep: one experiment run along one or two numeric knobs, for a set of techniques of one
 * slot, over several seeds — the curves a method is tuned by (kvpress's score against compression
 * ratio; accuracy over length and depth). It travels as a link, as an experiment does: the base
 * experiment's own keys, plus
 *
 *   sweep.x=kv.ratio:0.25,0.5,0.75   the knob along x and its values (required)
 *   sweep.y=len:256,512              a second knob (optional)
 *   sweep.series=kv:snapkv,h2o,tova  one line per technique of a slot (optional), or
 *   sweep.series=model:lab-rope,lab-alibi  one line per model
 *   sweep.seeds=1..5                 seeds each point runs with (optional; a list or a range)
 *
 * A knob is `len`, `depth`, or `<slot>.<setting>` of a numeric setting that every technique the
 * sweep uses in that slot has.
 */
import { FIELDS, SLOTS, SLOT_NAMES, contentHash, decodeEntries, encodeQuery, findOption, quote, runIdentity, type Catalog, type Experiment, type Slot } from '../experiment/index';
import { formatParam, readParam, type ParamSpec } from '../params/param-spec';

export interface Axis {
	knob: string;
	values: number[];
}

/** What a series varies: a technique slot, or the model. */
export type SeriesSlot = Slot | 'model';

export interface Series {
	slot: SeriesSlot;
	ids: string[];
}

export interface SweepSpec {
	base: Experiment;
	x: Axis;
	y: Axis | null;
	series: Series | null;
	seeds: number[];
}

export class SweepError extends Error {
	override name = 'SweepError';
}

/** The most points (runs) one sweep may make: more is a typo more often than a plan. */
export const MAX_SWEEP_RUNS = 1000;
const MAX_VALUES = 64;
const MAX_SEEDS = 64;
const KEYS = { x: 'sweep.x', y: 'sweep.y', series: 'sweep.series', seeds: 'sweep.seeds' } as const;

/** The techniques the sweep runs in `slot`: the series', or the base experiment's one. */
function idsIn(slot: Slot, base: Experiment, series: Series | null): string[] {
	return series?.slot === slot ? series.ids : [base[slot].id];
}

/** The parameter spec of a knob for every technique the sweep uses, or why it is no knob. */
export function knobSpec(knob: string, base: Experiment, series: Series | null, catalog: Catalog): ParamSpec {
	if (knob === 'len' || knob === 'depth') return FIELDS[knob];
	const [slot, name, ...rest] = knob.split('.');
	if (!(SLOTS as readonly string[]).includes(slot) || !name || rest.length > 0) {
		throw new SweepError(`${quote(knob)} is not a knob a sweep can turn: use len, depth, or <slot>.<setting> (slots: ${SLOTS.join(', ')}), e.g. kv.ratio.`);
	}
	const specs = idsIn(slot as Slot, base, series).map((id) => {
		const option = findOption(catalog, slot as Slot, id)!;
		const spec = option.params[name];
		if (!spec || (spec.kind !== 'int' && spec.kind !== 'number')) {
			const numeric = Object.entries(option.params).filter(([, s]) => s.kind === 'int' || s.kind === 'number').map(([n]) => `${slot}.${n}`);
			throw new SweepError(`${quote(knob)} is not a numeric setting of ${option.name}${numeric.length ? ` (its numeric settings: ${numeric.join(', ')})` : ', which has none'}.`);
		}
		return spec;
	});
	return specs[0];
}

function readAxis(key: string, text: string, base: Experiment, series: Series | null, catalog: Catalog): Axis {
	const colon = text.indexOf(':');
	if (colon < 0) throw new SweepError(`${key} must be <knob>:<values>, e.g. kv.ratio:0.25,0.5,0.75; it is ${quote(text)}.`);
	const knob = text.slice(0, colon);
	const items = text.slice(colon + 1).split(',').filter((item) => item !== '');
	if (items.length === 0 || items.length > MAX_VALUES) throw new SweepError(`${key} needs 1 to ${MAX_VALUES} values after the colon; it has ${items.length}.`);
	const spec = knobSpec(knob, base, series, catalog);
	const values = items.map((item) => {
		const read = readParam(spec, item);
		if (!read.ok) throw new SweepError(`${key}: ${knob} = ${quote(item)} ${read.reason}.`);
		return read.value as number;
	});
	if (new Set(values).size < values.length) throw new SweepError(`${key} lists a value of ${knob} twice.`);
	return { knob, values };
}

function readSeries(text: string, catalog: Catalog): Series {
	const [slot, list = ''] = text.split(':');
	const isModel = slot === 'model';
	if (!isModel && !(SLOTS as readonly string[]).includes(slot)) throw new SweepError(`${KEYS.series} must be <slot>:<ids>, e.g. kv:snapkv,h2o (slots: ${SLOTS.join(', ')}, or model); it is ${quote(text)}.`);
	const what = isModel ? 'model' : SLOT_NAMES[slot as Slot];
	const ids = list.split(',').filter((id) => id !== '');
	if (ids.length === 0 || ids.length > MAX_VALUES) throw new SweepError(`${KEYS.series} needs 1 to ${MAX_VALUES} ${what} ids after the colon.`);
	for (const id of ids) {
		if (isModel) {
			const read = readParam(FIELDS.model, id);
			if (!read.ok) throw new SweepError(`${KEYS.series}: model ${quote(id)} ${read.reason}.`);
		} else if (!findOption(catalog, slot as Slot, id)) throw new SweepError(`${KEYS.series}: ${quote(id)} is no ${what} (there are ${catalog[slot as Slot].map((o) => o.id).join(', ')}).`);
	}
	if (new Set(ids).size < ids.length) throw new SweepError(`${KEYS.series} lists ${isModel ? 'a model' : 'a technique'} twice.`);
	return { slot: slot as SeriesSlot, ids };
}

function readSeeds(text: string): number[] {
	const range = /^(\d+)\.\.(\d+)$/.exec(text);
	const seeds = range ? Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, i) => Number(range[1]) + i) : text.split(',').filter((s) => s !== '').map(Number);
	if (seeds.length === 0 || seeds.length > MAX_SEEDS) throw new SweepError(`${KEYS.seeds} needs 1 to ${MAX_SEEDS} seeds (a list such as 1,2,3 or a range such as 1..5).`);
	for (const seed of seeds) {
		const read = readParam(FIELDS.seed, String(seed));
		if (!read.ok || !/^\d+$/.test(String(seed))) throw new SweepError(`${KEYS.seeds}: ${quote(String(seed))} is no seed: seeds are whole numbers from 0 to ${FIELDS.seed.max}.`);
	}
	if (new Set(seeds).size < seeds.length) throw new SweepError(`${KEYS.seeds} lists a seed twice.`);
	return seeds;
}

/** How many runs the sweep makes. */
export const runCount = (spec: SweepSpec) => (spec.series?.ids.length ?? 1) * spec.x.values.length * (spec.y?.values.length ?? 1) * spec.seeds.length;

/** Reads a sweep link's query; any problem is refused with every reason, since a sweep runs for long. */
export function decodeSweep(query: string, catalog: Catalog): SweepSpec {
	const params = new URLSearchParams(query.replace(/^[^?]*\?/, ''));
	const sweep = new Map<string, string>();
	const rest: [string, string][] = [];
	for (const [key, value] of params) {
		if (!key.startsWith('sweep.')) rest.push([key, value]);
		else if (!(Object.values(KEYS) as string[]).includes(key)) throw new SweepError(`${quote(key)} is not a sweep setting (they are ${Object.values(KEYS).join(', ')}).`);
		else if (sweep.has(key)) throw new SweepError(`${key} is given twice.`);
		else sweep.set(key, value);
	}
	const decoded = decodeEntries(rest, catalog);
	if (decoded.problems.length > 0) throw new SweepError(decoded.problems.map((p) => p.message).join(' '));
	const base = decoded.experiment;
	const x = sweep.get(KEYS.x);
	if (x === undefined) throw new SweepError(`A sweep needs ${KEYS.x}, the knob it turns and its values, e.g. ${KEYS.x}=kv.ratio:0.25,0.5,0.75.`);
	const series = sweep.has(KEYS.series) ? readSeries(sweep.get(KEYS.series)!, catalog) : null;
	const spec: SweepSpec = {
		base,
		x: readAxis(KEYS.x, x, base, series, catalog),
		y: sweep.has(KEYS.y) ? readAxis(KEYS.y, sweep.get(KEYS.y)!, base, series, catalog) : null,
		series,
		seeds: sweep.has(KEYS.seeds) ? readSeeds(sweep.get(KEYS.seeds)!) : [base.seed]
	};
	if (spec.y && spec.y.knob === spec.x.knob) throw new SweepError(`${KEYS.x} and ${KEYS.y} turn the same knob, ${spec.x.knob}.`);
	const runs = runCount(spec);
	if (runs > MAX_SWEEP_RUNS) throw new SweepError(`This sweep makes ${runs} runs, more than the ${MAX_SWEEP_RUNS} one sweep may make: fewer values, techniques or seeds.`);
	return spec;
}

/** The sweep's link query: the base experiment's canonical query, then the sweep's own keys. */
export function encodeSweep(spec: SweepSpec, catalog: Catalog): string {
	const axis = (a: Axis) => `${a.knob}:${a.values.map((v) => formatParam(knobSpec(a.knob, spec.base, spec.series, catalog), v)).join(',')}`;
	const parts = [`${KEYS.x}=${axis(spec.x)}`];
	if (spec.y) parts.push(`${KEYS.y}=${axis(spec.y)}`);
	if (spec.series) parts.push(`${KEYS.series}=${spec.series.slot}:${spec.series.ids.join(',')}`);
	parts.push(`${KEYS.seeds}=${spec.seeds.join(',')}`);
	return `${encodeQuery(spec.base, catalog)}&${parts.join('&')}`;
}

/** SHA-256 of what the sweep runs (its base's run identity, axes, series and seeds). */
export function sweepHash(spec: SweepSpec): string {
	return contentHash({ ...spec, base: runIdentity(spec.base) });
}
