import { describe, expect, it } from 'vitest';
import { SLOTS, catalog, decodeQuery, defaultExperiment, encodeQuery } from '$lib/experiment';
import { defaultValues, readParam } from '$lib/params/param-spec';
import { attentionPatterns, kvPolicies, positionSchemes, tokenPruners } from '$lib/techniques/registry';

const techniques = [...attentionPatterns, ...positionSchemes, ...kvPolicies, ...tokenPruners];
/** Baselines and controls cite no paper. */
const BASELINES = ['full', 'native', 'random', 'recent', 'none'];

describe('technique registry', () => {
	it('has unique ids per slot', () => {
		for (const slot of SLOTS) {
			const ids = catalog[slot].map((o) => o.id);
			expect(new Set(ids).size).toBe(ids.length);
		}
	});

	it.each(techniques.map((t) => [t.id, t] as const))('%s has complete metadata', (_id, technique) => {
		expect(technique.id).toMatch(/^[a-z0-9-]+$/);
		expect(technique.name.length).toBeGreaterThan(2);
		expect(technique.summary.length).toBeGreaterThan(20);
		const baseline = BASELINES.includes(technique.id);
		if (baseline) expect(technique.paper).toBeNull();
		else {
			expect(technique.paper!.title.length).toBeGreaterThan(10);
			expect(technique.paper!.year).toBeGreaterThanOrEqual(2017);
			expect(technique.paper!.url).toMatch(/^https:\/\//);
		}
		for (const [name, spec] of Object.entries(technique.params)) {
			expect(name).toMatch(/^[a-z_]+$/);
			expect(spec.label.length).toBeGreaterThan(0);
			expect(readParam(spec, spec.default), `${technique.id}.${name} default`).toEqual({ ok: true, value: spec.default });
		}
	});

	it.each(attentionPatterns.map((t) => [t.id] as const))('attention pattern %s round-trips through a URL', (id) => {
		const e = defaultExperiment(catalog);
		e.attn = { id, params: defaultValues(attentionPatterns.find((p) => p.id === id)!.params) };
		expect(decodeQuery(encodeQuery(e, catalog), catalog)).toEqual({ experiment: e, problems: [], problemCount: 0 });
	});

	it.each(positionSchemes.map((t) => [t.id] as const))('position scheme %s round-trips through a URL', (id) => {
		const e = defaultExperiment(catalog);
		e.pos = { id, params: defaultValues(positionSchemes.find((p) => p.id === id)!.params) };
		expect(decodeQuery(encodeQuery(e, catalog), catalog)).toEqual({ experiment: e, problems: [], problemCount: 0 });
	});
});

describe('KV policies in URLs', () => {
	it.each(kvPolicies.map((t) => [t.id] as const))('%s round-trips through a URL', (id) => {
		const e = defaultExperiment(catalog);
		e.kv = { id, params: defaultValues(kvPolicies.find((p) => p.id === id)!.params) };
		expect(decodeQuery(encodeQuery(e, catalog), catalog)).toEqual({ experiment: e, problems: [], problemCount: 0 });
	});
});

describe('token pruners in URLs', () => {
	it.each(tokenPruners.map((t) => [t.id] as const))('%s round-trips through a URL', (id) => {
		const e = defaultExperiment(catalog);
		e.prune = { id, params: defaultValues(tokenPruners.find((p) => p.id === id)!.params) };
		expect(decodeQuery(encodeQuery(e, catalog), catalog)).toEqual({ experiment: e, problems: [], problemCount: 0 });
	});
});
