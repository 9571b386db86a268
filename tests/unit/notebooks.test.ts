import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import type { Engine } from '$lib/engine/engine';
import { loadModelDir } from '../../src/cli/model-dir';
import { checkNotebook } from '$lib/notebooks/check';
import { claimHolds, parseClaim } from '$lib/notebooks/claims';
import { parseNotebook } from '$lib/notebooks/notebook';
import { notebookSanitizer } from '$lib/notebooks/sanitize';
import { ablationMetrics, gridMetrics } from '$lib/notebooks/runner';

const FRONT = '---\ntitle: T\nsummary: S\nduration: 10\nlevel: introductory\norder: 1\n---\n';
const CELL = '```cell\nid: a\nexperiment: task=passkey&len=256\n```\n';
const files = readdirSync('notebooks').filter((f) => f.endsWith('.md') && f !== 'README.md');

describe('claims', () => {
	it('parse the cell, metric, comparison and value; % is a fraction, other units are shown as written', () => {
		expect(parseClaim('{{window.accuracy <= 25%}}')).toEqual({ cell: 'window', metric: 'accuracy', op: '<=', value: 0.25, text: '25%' });
		expect(parseClaim('{{c.residentKvGiB@131072 ~ 16 GiB}}')).toEqual({ cell: 'c', metric: 'residentKvGiB@131072', op: '~', value: 16, text: '16 GiB' });
		expect(parseClaim('{{c.retrievalHeads == 3}}')).toMatchObject({ value: 3, text: '3' });
		for (const bad of ['{{accuracy <= 1}}', '{{c.accuracy is 1}}', '{{c.accuracy <= 1 furlongs}}', '{{C.accuracy == 1}}']) expect(() => parseClaim(bad)).toThrow();
	});

	it('hold or fail by the comparison written', () => {
		const claim = (text: string) => parseClaim(`{{c.m ${text}}}`);
		expect(claimHolds(claim('== 0.5'), 0.5)).toBe(true);
		expect(claimHolds(claim('== 0.5'), 0.5000001)).toBe(false);
		expect(claimHolds(claim('<= 25%'), 0.25)).toBe(true);
		expect(claimHolds(claim('< 25%'), 0.25)).toBe(false);
		expect(claimHolds(claim('>= 75%'), 0.74)).toBe(false);
		// ~ allows 10 % relative error: 9.9 ± 0.99.
		expect(claimHolds(claim('~ 9.9'), 10.8)).toBe(true);
		expect(claimHolds(claim('~ 9.9'), 10.95)).toBe(false);
		// … and 0.01 absolute near zero.
		expect(claimHolds(claim('~ 0'), 0.009)).toBe(true);
	});
});

describe('notebook parsing', () => {
	it('splits prose and cells, numbers the claims in reading order and renders math', () => {
		const nb = parseNotebook('x', `${FRONT}Intro $a^2$ and {{a.accuracy >= 50%}}.\n\n${CELL}\nAfter: {{a.density == 1}}.\n`);
		expect(nb.blocks.map((b) => b.kind)).toEqual(['prose', 'cell', 'prose']);
		expect(nb.claims.map((c) => c.metric)).toEqual(['accuracy', 'density']);
		const first = nb.blocks[0] as { html: string };
		expect(first.html).toContain('class="katex"');
		expect(first.html).toContain('data-claim="0"');
		expect((nb.blocks[2] as { html: string }).html).toContain('data-claim="1"');
	});

	it.each([
		['no front matter', CELL, /front matter/],
		['front matter missing a field', '---\ntitle: T\n---\n', /summary/],
		['a cell that is not YAML', `${FRONT}\`\`\`cell\nid: [\n\`\`\`\n`, /not valid YAML/],
		['a cell with an unknown key', `${FRONT}\`\`\`cell\nid: a\nexperiment: x\nwhat: 1\n\`\`\`\n`, /cell 1/],
		['two cells with one id', `${FRONT}${CELL}${CELL}`, /two cells are called "a"/],
		['a claim naming no cell', `${FRONT}{{b.accuracy == 1}}\n${CELL}`, /names no cell/],
		['a malformed claim', `${FRONT}{{a.accuracy is 1}}\n${CELL}`, /not a claim/]
	])('refuses %s with a message naming the problem', (_, source, message) => {
		expect(() => parseNotebook('x', source)).toThrow(message);
	});

	it.each(files)('%s parses, has cells, and every claim names one of its cells', (file) => {
		const nb = parseNotebook(file, readFileSync(join('notebooks', file), 'utf8'));
		expect(nb.blocks.some((b) => b.kind === 'cell')).toBe(true);
		expect(nb.claims.length).toBeGreaterThan(0);
	});

	it.each(files)('%s renders the same after sanitising (math, claims and links intact)', (file) => {
		const { window } = new JSDOM('');
		const source = readFileSync(join('notebooks', file), 'utf8');
		const prose = (sanitize?: (html: string) => string) => parseNotebook(file, source, sanitize).blocks.flatMap((b) => (b.kind === 'prose' ? [b.html] : []));
		// Compared as the browser would parse the unsanitised HTML, so only what DOMPurify removes shows.
		const asParsed = prose().map((html) => {
			const div = window.document.createElement('div');
			div.innerHTML = html;
			return div.innerHTML;
		});
		const sanitised = prose(notebookSanitizer(window));
		expect(sanitised).toEqual(asParsed);
		expect(sanitised.join('')).toContain('<annotation encoding="application/x-tex">');
	});

	it('ships the seven workshop notebooks', () => {
		expect(files.length).toBe(7);
	});
});

describe('cell metrics', () => {
	it('grid accuracy pools every sample, overall and per length', () => {
		const cells = [
			{ length: 128, depth: 0, correct: 2, total: 2, partial: 1 },
			{ length: 128, depth: 1, correct: 1, total: 2, partial: 0.5 },
			{ length: 256, depth: 0, correct: 0, total: 2, partial: 0 },
			{ length: 256, depth: 1, correct: 0, total: 0, partial: 0 }
		];
		expect(gridMetrics(cells)).toEqual({ accuracy: 3 / 6, 'accuracy@128': 3 / 4, 'accuracy@256': 0 });
	});

	it('ablation accuracy per arm', () => {
		const rows = [
			{ label: 'none masked' as const, heads: [], correct: 4, total: 4 },
			{ label: 'retrieval heads masked' as const, heads: [[1, 2]] as [number, number][], correct: 1, total: 4 },
			{ label: 'random heads masked' as const, heads: [[0, 0]] as [number, number][], correct: 3, total: 4 }
		];
		expect(ablationMetrics(rows, 2)).toEqual({ accuracy: 1, retrievalMasked: 0.25, randomMasked: 0.75, retrievalHeads: 2 });
	});
});

describe('every notebook claim holds for the model it names', () => {
	const engines = new Map<string, Promise<Engine>>();
	const engineFor = (model: string) => {
		if (!engines.has(model)) {
			engines.set(model, loadModelDir(join('static/models', model)));
		}
		return engines.get(model)!;
	};
	it.each(files)('%s', { timeout: 600_000 }, async (file) => {
		const nb = parseNotebook(file, readFileSync(join('notebooks', file), 'utf8'));
		const { checks } = await checkNotebook(nb, engineFor);
		const failing = checks.filter((c) => !c.holds).map((c) => `${c.claim.cell}.${c.claim.metric} ${c.claim.op} ${c.claim.text}: measured ${c.measured}`);
		expect(failing).toEqual([]);
	});
});
