/**
 * The runs of a sweep: one experiment per technique (or model) of the series, value of y, value of x and
 * seed, in that order, each a complete experiment that opens in the lab on its own.
 */
import { decodeQuery, defaultOption, encodeQuery, findOption, type Catalog, type Experiment, type Slot } from '../experiment/index';
import { defaultValues } from '../params/param-spec';
import { SweepError, type SweepSpec } from './spec';

export interface SweepPoint {
	/** The series' technique or model id, or null without a series. */
	series: string | null;
	x: number;
	y: number | null;
	seed: number;
	experiment: Experiment;
}

/**
 * The base with `id` in `slot`: that technique's own defaults, and the settings the link changed
 * from its own technique's defaults where this one has them too (a token budget carries over;
 * SnapKV's default of never compressing in decode does not overrule H2O's every step).
 */
function withTechnique(base: Experiment, slot: Slot, id: string, catalog: Catalog): Experiment {
	const option = findOption(catalog, slot, id) ?? defaultOption(catalog, slot);
	const baseDefaults = defaultValues((findOption(catalog, slot, base[slot].id) ?? option).params);
	const changed = Object.entries(base[slot].params).filter(([name, value]) => name in option.params && JSON.stringify(value) !== JSON.stringify(baseDefaults[name]));
	return { ...base, [slot]: { id, params: { ...defaultValues(option.params), ...Object.fromEntries(changed) } } };
}

/** An experiment with the knob set to `value`. */
function turned(experiment: Experiment, knob: string, value: number): Experiment {
	if (knob === 'len' || knob === 'depth') return { ...experiment, [knob]: value };
	const [slot, name] = knob.split('.') as [Slot, string];
	return { ...experiment, [slot]: { ...experiment[slot], params: { ...experiment[slot].params, [name]: value } } };
}

export function sweepPoints(spec: SweepSpec, catalog: Catalog): SweepPoint[] {
	const points: SweepPoint[] = [];
	for (const series of spec.series?.ids ?? [null]) {
		const slot = spec.series?.slot;
		const base = series === null ? spec.base : slot === 'model' ? { ...spec.base, model: series } : withTechnique(spec.base, slot!, series, catalog);
		for (const y of spec.y?.values ?? [null]) {
			for (const x of spec.x.values) {
				for (const seed of spec.seeds) {
					let experiment = turned({ ...base, seed }, spec.x.knob, x);
					if (spec.y && y !== null) experiment = turned(experiment, spec.y.knob, y);
					// Every point is an experiment the lab opens as it is: one the codec would change is refused.
					const { problems } = decodeQuery(encodeQuery(experiment, catalog), catalog);
					if (problems.length > 0) throw new SweepError(`The point ${series ?? ''} ${spec.x.knob}=${x}${y === null ? '' : `, ${spec.y!.knob}=${y}`}: ${problems[0].message}`);
					points.push({ series, x, y, seed, experiment });
				}
			}
		}
	}
	return points;
}
