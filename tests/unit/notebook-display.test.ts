import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog, decodeQuery, encodeQuery } from '$lib/experiment';
import { cellExperiment, cellHash, labExperiment, type CellSpec } from '$lib/notebooks/cell';
import { claimHolds, claimLabel, parseClaim } from '$lib/notebooks/claims';
import { describeMetric } from '$lib/notebooks/metric-labels';
import { parseNotebook } from '$lib/notebooks/notebook';

// What a notebook shows a reader: claims with their comparison, readable metric names, and cells
// whose ids and lab links belong to the cell.

const files = readdirSync('notebooks').filter((f) => f.endsWith('.md') && f !== 'README.md');
const cellsOf = (file: string): CellSpec[] =>
	parseNotebook(file, readFileSync(join('notebooks', file), 'utf8')).blocks.flatMap((b) => (b.kind === 'cell' ? [b.spec] : []));
const cost = cellsOf('07-cost-at-scale.md');
const cell = (cells: CellSpec[], id: string) => cells.find((c) => c.id === id)!;

describe('claims as the prose shows them', () => {
	it('name their comparison, and an approximate one its tolerance in the unit written', () => {
		expect(claimLabel(parseClaim('{{c.sinkMass ~ 5.9%}}'))).toBe('≈ 5.9% (±1)');
		expect(claimLabel(parseClaim('{{c.msPerToken ~ 9.9 ms}}'))).toBe('≈ 9.9 ms (±0.99)');
		expect(claimLabel(parseClaim('{{c.accuracy <= 25%}}'))).toBe('≤ 25%');
		expect(claimLabel(parseClaim('{{c.concurrency >= 200}}'))).toBe('≥ 200');
		expect(claimLabel(parseClaim('{{c.concurrency == 238}}'))).toBe('238');
	});

	it('the tolerance shown is the one checked', () => {
		const claim = parseClaim('{{c.sinkMass ~ 5.9%}}');
		expect(claimHolds(claim, 0.0495)).toBe(true);
		expect(claimHolds(claim, 0.0485)).toBe(false);
	});

	it('render with the comparison in the notebook', () => {
		const nb = parseNotebook('x', '---\ntitle: T\nsummary: S\nduration: 1\nlevel: introductory\norder: 1\n---\nAbout {{a.sinkMass ~ 5.9%}}.\n\n```cell\nid: a\nexperiment: v=1\n```\n');
		expect((nb.blocks[0] as { html: string }).html).toContain('>≈ 5.9% (±1)</span>');
	});
});

describe('metric names', () => {
	it('are words with units, not camelCase keys', () => {
		expect(describeMetric('sinkMass', 0.057)).toEqual({ label: 'Attention on the first 4 tokens', value: '5.7 %' });
		expect(describeMetric('residentKvGiB@131072', 16)).toEqual({ label: 'KV cache resident at 131,072 tokens', value: '16.0 GiB' });
		expect(describeMetric('klToFull', 0.5312)).toEqual({ label: 'KL divergence from full attention', value: '0.531 nats' });
		expect(describeMetric('concurrency@8192', 59).value).toBe('59');
		// A sweep's point: its technique and knob value, not a length.
		expect(describeMetric('accuracy@streaming-llm@0.25', 0.75)).toEqual({ label: 'Answers right (streaming-llm, 0.25)', value: '75.0 %' });
	});

	it.each(files)('%s: every metric a claim names has a readable label', (file) => {
		const nb = parseNotebook(file, readFileSync(join('notebooks', file), 'utf8'));
		for (const claim of nb.claims) expect(describeMetric(claim.metric, 1).label, claim.metric).not.toMatch(/[a-z][A-Z]/);
	});
});

describe('cells', () => {
	it('cost cells that differ in KV precision have different ids', () => {
		const [llama, int4] = [cell(cost, 'llama8b'), cell(cost, 'int4')];
		expect(cellHash(llama, cellExperiment(llama).experiment)).not.toBe(cellHash(int4, cellExperiment(int4).experiment));
		const ids = cost.map((c) => cellHash(c, cellExperiment(c).experiment));
		expect(new Set(ids).size).toBe(ids.length);
	});

	it('a run cell keeps the experiment hash the lab shows', () => {
		const full = cell(cellsOf('01-attention-sinks.md'), 'full');
		const { experiment } = cellExperiment(full);
		expect(cellHash(full, experiment)).toMatch(/^[0-9a-f]{64}$/);
		expect(cellHash(full, experiment)).toBe(cellHash({ ...full, seeds: 2 }, experiment));
	});

	it.each(files)('%s: every cell opens in the lab with its own technique and some views on', (file) => {
		for (const spec of cellsOf(file)) {
			const { experiment } = cellExperiment(spec);
			const opened = decodeQuery(encodeQuery(labExperiment(spec, experiment), catalog), catalog).experiment;
			expect(opened.views.length, spec.id).toBeGreaterThan(0);
			expect(opened.kv, spec.id).toEqual(experiment.kv);
			expect(opened.attn, spec.id).toEqual(experiment.attn);
		}
	});

	it('the cost cells open the KV memory and latency views', () => {
		for (const spec of cost) expect(labExperiment(spec, cellExperiment(spec).experiment).views).toEqual(['kv', 'latency']);
		expect(cellExperiment(cell(cost, 'streaming')).experiment.kv.id).toBe('streaming-llm');
	});

	it('a cell written with no views still opens in the lab with the views of its kind', () => {
		const spec = { ...cell(cost, 'int4'), experiment: 'v=1&views=' };
		expect(labExperiment(spec, cellExperiment(spec).experiment).views).toEqual(['kv', 'latency']);
	});

	it('the sinks notebook shows the heatmaps whose striped evicted keys it describes', () => {
		const cells = cellsOf('01-attention-sinks.md');
		for (const id of ['streaming', 'recent']) expect(cellExperiment(cell(cells, id)).experiment.views).toContain('heatmap');
	});
});
