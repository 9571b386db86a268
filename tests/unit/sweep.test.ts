/**
 * Sweeps: the link codec round-trips and refuses bad specs with reasons; the points are the
 * experiments the spec names; the curves' intervals are Wilson's; the CLI's sweep equals its runs.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program';
import { loadModelDirForRuns } from '../../src/cli/model-dir';
import { catalog, decodeQuery } from '$lib/experiment';
import { runExperiment } from '$lib/experiment/run';
import { defaultValues } from '$lib/params/param-spec';
import { decodeSweep, encodeSweep, runCount, sweepHash, MAX_SWEEP_RUNS } from '$lib/sweep/spec';
import { sweepPoints } from '$lib/sweep/points';
import { measuresOf, summarise, wilson } from '$lib/sweep/summary';

const SPEC = 'model=tiny-gqa&task=passkey&len=128&kv=snapkv&kv.window=8&sweep.x=kv.ratio:0.25,0.5&sweep.series=kv:snapkv,h2o,streaming-llm&sweep.seeds=1..2';

describe('sweep links', () => {
	it('round-trip through their canonical query, and hash by content, not by key order', () => {
		const spec = decodeSweep(SPEC, catalog);
		expect(spec.x).toEqual({ knob: 'kv.ratio', values: [0.25, 0.5] });
		expect(spec.series).toEqual({ slot: 'kv', ids: ['snapkv', 'h2o', 'streaming-llm'] });
		expect(spec.seeds).toEqual([1, 2]);
		expect(runCount(spec)).toBe(12);
		const again = decodeSweep(encodeSweep(spec, catalog), catalog);
		expect(again).toEqual(spec);
		const reordered = decodeSweep('sweep.seeds=1,2&sweep.series=kv:snapkv,h2o,streaming-llm&' + SPEC.split('&sweep.')[0] + '&sweep.x=kv.ratio:0.25,0.5', catalog);
		expect(sweepHash(reordered)).toBe(sweepHash(spec));
		expect(sweepHash(decodeSweep(SPEC.replace('1..2', '1..3'), catalog))).not.toBe(sweepHash(spec));
		// A second axis over the experiment's own fields.
		expect(decodeSweep('task=passkey&sweep.x=depth:0,0.5,1&sweep.y=len:128,256', catalog).y).toEqual({ knob: 'len', values: [128, 256] });
	});

	it.each([
		['task=passkey', /needs sweep\.x/],
		['sweep.x=kv.ratio', /<knob>:<values>/],
		['sweep.x=seed:1,2', /not a knob a sweep can turn/],
		['sweep.x=kv.ratio:0.5', /not a numeric setting of Full KV cache|which has none/],
		['kv=snapkv&sweep.x=kv.ratio:0.5&sweep.series=kv:snapkv,full', /not a numeric setting of/],
		['kv=snapkv&sweep.x=kv.ratio:1.5', /kv\.ratio = "1\.5" must be at most 1/],
		['kv=snapkv&sweep.x=kv.ratio:0.5,0.5', /twice/],
		['sweep.x=len:128&sweep.seeds=0..99', /1 to 64 seeds/],
		['sweep.x=len:128&sweep.seeds=a,b', /no seed/],
		['sweep.x=len:128&sweep.series=kv:nope', /"nope" is no KV-cache policy/],
		['sweep.x=len:128&sweep.y=len:256', /same knob/],
		['sweep.x=len:128&sweep.series=model:tiny-gqa,../etc', /model "\.\.\/etc"/],
		['sweep.x=len:128&sweep.series=model:tiny-gqa,tiny-gqa', /a model twice/],
		['sweep.x=len:128&sweep.z=1', /not a sweep setting/],
		['len=abc&sweep.x=depth:0', /len/],
		[`sweep.x=depth:${Array.from({ length: 50 }, (_, i) => i / 50).join(',')}&sweep.y=len:${Array.from({ length: 21 }, (_, i) => 128 + i).join(',')}`, new RegExp(`more than the ${MAX_SWEEP_RUNS}`)]
	])('refuses %s with a reason', (query, reason) => {
		expect(() => decodeSweep(query, catalog)).toThrow(reason);
	});

	it('expands into one experiment per technique, value and seed: its own defaults, and the settings the link changed that it shares', () => {
		const spec = decodeSweep(SPEC, catalog);
		const points = sweepPoints(spec, catalog);
		expect(points).toHaveLength(12);
		expect(points.map((p) => [p.series, p.x, p.seed]).slice(0, 4)).toEqual([
			['snapkv', 0.25, 1],
			['snapkv', 0.25, 2],
			['snapkv', 0.5, 1],
			['snapkv', 0.5, 2]
		]);
		const h2o = points.find((p) => p.series === 'h2o' && p.x === 0.5 && p.seed === 2)!.experiment;
		expect(h2o.kv).toEqual({ id: 'h2o', params: { ...defaultValues(catalog.kv.find((o) => o.id === 'h2o')!.params), ratio: 0.5 } });
		expect(h2o.seed).toBe(2);
		// SnapKV's own window setting stays on its points; H2O has none. A budget the link changed carries over.
		expect(points[0].experiment.kv.params.window).toBe(8);
		const budgeted = sweepPoints(decodeSweep('kv=snapkv&kv.tokens=40&sweep.x=len:128&sweep.series=kv:snapkv,h2o', catalog), catalog);
		expect(budgeted.map((p) => p.experiment.kv.params.tokens)).toEqual([40, 40]);
	});

	it('runs a series of models: one line per model, every other setting the same', () => {
		const spec = decodeSweep('model=tiny-gqa&task=passkey&pos=self-extend&sweep.x=len:128,256&sweep.series=model:tiny-gqa,tiny-llama3', catalog);
		expect(spec.series).toEqual({ slot: 'model', ids: ['tiny-gqa', 'tiny-llama3'] });
		expect(decodeSweep(encodeSweep(spec, catalog), catalog)).toEqual(spec);
		const points = sweepPoints(spec, catalog);
		expect(points.map((p) => [p.series, p.experiment.model, p.experiment.len])).toEqual([
			['tiny-gqa', 'tiny-gqa', 128],
			['tiny-gqa', 'tiny-gqa', 256],
			['tiny-llama3', 'tiny-llama3', 128],
			['tiny-llama3', 'tiny-llama3', 256]
		]);
		expect(new Set(points.map((p) => JSON.stringify({ ...p.experiment, model: '', len: 0 }))).size).toBe(1);
	});
});

describe('curves', () => {
	it('Wilson intervals: 0 of 3 reaches z²/(n + z²), 3 of 3 starts at n/(n + z²)', () => {
		const z2 = 1.959963984540054 ** 2;
		expect(wilson(0, 3)[0]).toBe(0);
		expect(wilson(0, 3)[1]).toBeCloseTo(z2 / (3 + z2), 12);
		expect(wilson(3, 3)[0]).toBeCloseTo(3 / (3 + z2), 12);
		// 5 of 10: centred on ½, half-width z·√(¼/10 + z²/400)/(1 + z²/10).
		const half = (1.959963984540054 * Math.sqrt(0.025 + z2 / 400)) / (1 + z2 / 10);
		expect(wilson(5, 10)[0]).toBeCloseTo(0.5 - half, 12);
	});

	it('the CLI prints one line per run, each equal to running its experiment alone, and the curves over the seeds', async () => {
		let stdout = '';
		let stderr = '';
		const code = await main(['sweep', SPEC, '--models', 'tests/fixtures', '--max-new-tokens', '3'], { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
		expect(code).toBe(0);
		const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
		expect(lines).toHaveLength(12);
		const { engine, tokenizer, model } = await loadModelDirForRuns('tests/fixtures/tiny-gqa', 'tiny-gqa');
		const spec = decodeSweep(SPEC, catalog);
		const points = sweepPoints(spec, catalog);
		for (const [i, line] of lines.entries()) {
			expect(line.sweep).toBe(sweepHash(spec));
			const alone = await runExperiment(engine, { ...decodeQuery(line.experiment, catalog).experiment, model }, { tokenizer, maxNewTokens: 3 });
			expect(alone.hash).toBe(line.hash);
			expect(alone.experiment).toEqual(points[i].experiment);
			const { prefillMs: _a, ...measures } = measuresOf(alone);
			const { prefillMs: _b, sweep: _s, series: _series, x: _x, y: _y, seed: _seed, experiment: _e, hash: _h, expected, output, ...printed } = line;
			expect(printed).toEqual(measures);
			expect([expected, output]).toEqual([alone.expected, alone.output]);
		}
		await engine.release();
		// The table: a header, then one row per technique and ratio (2 seeds each).
		const rows = stderr.trim().split('\n');
		expect(rows).toHaveLength(7);
		expect(rows[0]).toMatch(/^kv\s+kv\.ratio\s+runs\s+accuracy/);
		expect(rows[1]).toMatch(/^snapkv\s+0\.25\s+2\s+/);
		const curves = summarise(lines.map((line, i) => ({ point: points[i], measures: line })));
		expect(curves.map((c) => [c.series, c.x, c.runs])).toEqual(['snapkv', 'h2o', 'streaming-llm'].flatMap((s) => [[s, 0.25, 2], [s, 0.5, 2]]));
		// The answer share's band is its range over the two seeds; KL and recall were not measured.
		const pair = lines.slice(0, 2).map((line) => line.partial);
		expect(curves[0].range).toEqual({ partial: [Math.min(...pair), Math.max(...pair)] });
	}, 120_000);

	it('the CLI refuses a bad sweep with one line and exit code 2', async () => {
		let stderr = '';
		const code = await main(['sweep', 'task=passkey&sweep.x=kv.ratio:0.5', '--models', 'tests/fixtures'], { out: () => {}, err: (t) => void (stderr += t) });
		expect(code).toBe(2);
		expect(stderr.trim().split('\n')).toHaveLength(1);
		expect(stderr).toMatch(/kv\.ratio/);
	});
});
