import { describe, expect, it } from 'vitest';
import { catalog, defaultExperiment } from '$lib/experiment';
import { decodeAB, encodeAB } from '$lib/experiment/ab';


describe('A/B links', () => {
	it('B inherits A and overrides only its technique slots', () => {
		const { a, b, problems } = decodeAB('len=1024&seed=3&attn=full&b.attn=sink-window&b.attn.window=64&b.kv=snapkv', catalog);
		expect(problems).toEqual([]);
		expect(a.attn.id).toBe('full');
		expect(b!.len).toBe(1024);
		expect(b!.seed).toBe(3);
		expect(b!.attn).toEqual({ id: 'sink-window', params: { sink: 4, window: 64 } });
		expect(b!.kv.id).toBe('snapkv');
		expect(b!.pos).toEqual(a.pos);
	});

	it('round-trips A and B through one link', () => {
		const a = defaultExperiment(catalog);
		const b = { ...a, attn: { id: 'window', params: { window: 32 } }, pos: { id: 'yarn', params: { factor: 2, original: 0, beta_fast: 32, beta_slow: 1, attention_factor: 0 } } };
		const query = encodeAB(a, b, catalog);
		expect(query).toContain('&b.attn=window&b.attn.window=32&b.pos=yarn');
		expect(decodeAB(query, catalog)).toEqual({ a, b, problems: [], problemCount: 0 });
		expect(decodeAB(encodeAB(a, { ...a }, catalog), catalog).b).toEqual(a);
		expect(decodeAB(encodeAB(a, null, catalog), catalog).b).toBeNull();
	});

	it('refuses prompt changes in B and reports B\'s bad values as B\'s', () => {
		const { b, problems } = decodeAB('b.len=99&b.attn=window&b.attn.window=-1', catalog);
		expect(problems.map((p) => p.key)).toEqual(['b.len', 'b.attn.window']);
		expect(problems[0].message).toContain('only attn, kv, prune and pos may differ');
		expect(problems[1].message).toMatch(/^B: "attn.window" is "-1", which must be at least 1/);
		expect(b!.attn).toEqual({ id: 'window', params: { window: 128 } });
	});
});
