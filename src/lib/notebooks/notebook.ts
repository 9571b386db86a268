/**
 * A notebook is a markdown file: YAML front matter (title, summary, duration, level, papers),
 * prose with KaTeX math and `{{cell.metric op value}}` claims, and fenced `cell` blocks whose
 * YAML body declares a live experiment.
 */
import { Marked, type TokenizerAndRendererExtension } from 'marked';
import markedKatex from 'marked-katex-extension';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { cellSchema, type CellSpec } from './cell';
import { claimLabel, parseClaim, type Claim } from './claims';
import type { Sanitizer } from './sanitize';

export const metaSchema = z.strictObject({
	title: z.string().min(1),
	summary: z.string().min(1),
	/** Minutes a workshop needs for it. */
	duration: z.number().int().positive(),
	level: z.enum(['introductory', 'intermediate', 'advanced']),
	/** Position in the list of notebooks. */
	order: z.number().int(),
	papers: z.array(z.string()).default([])
});
export type NotebookMeta = z.infer<typeof metaSchema>;

export type Block = { kind: 'prose'; html: string } | { kind: 'cell'; spec: CellSpec };

export interface Notebook {
	slug: string;
	meta: NotebookMeta;
	blocks: Block[];
	claims: Claim[];
}

export class NotebookError extends Error {
	override name = 'NotebookError';
}

const FRONT_MATTER = /^---\n([\s\S]*?)\n---\n/;
const CELL_BLOCK = /^```cell\n([\s\S]*?)^```$/gm;

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function issues(error: z.ZodError): string {
	return error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');
}

/** A markdown renderer that turns each claim into a span numbered in reading order. */
function proseRenderer(claims: Claim[], slug: string): Marked {
	const claim: TokenizerAndRendererExtension = {
		name: 'claim',
		level: 'inline',
		start: (src) => src.indexOf('{{'),
		tokenizer(src) {
			const match = /^\{\{[^{}]*\}\}/.exec(src);
			if (!match) return undefined;
			try {
				return { type: 'claim', raw: match[0], claim: parseClaim(match[0]) };
			} catch (error) {
				throw new NotebookError(`Notebook "${slug}": ${(error as Error).message}`);
			}
		},
		renderer(token) {
			const index = claims.push(token.claim as Claim) - 1;
			const c = token.claim as Claim;
			return `<span class="claim" data-claim="${index}" data-cell="${c.cell}" title="measured by cell ${c.cell}: ${escapeHtml(`${c.metric} ${c.op} ${c.text}`)}">${escapeHtml(claimLabel(c))}</span>`;
		}
	};
	return new Marked(markedKatex({ throwOnError: false, nonStandard: true }), { extensions: [claim] });
}

/**
 * Prose HTML is only safe to display when `sanitize` is given: the app's `loadNotebook` always
 * gives one. The CLI parses in Node without a DOM and only checks claims, so it passes none.
 */
export function parseNotebook(slug: string, source: string, sanitize: Sanitizer = (html) => html): Notebook {
	const text = source.replace(/\r\n/g, '\n');
	const front = FRONT_MATTER.exec(text);
	if (!front) throw new NotebookError(`Notebook "${slug}" has no front matter (--- title, summary, duration, level, order ---).`);
	const meta = metaSchema.safeParse(parseYaml(front[1]));
	if (!meta.success) throw new NotebookError(`Notebook "${slug}": front matter ${issues(meta.error)}.`);
	const body = text.slice(front[0].length);

	const claims: Claim[] = [];
	const marked = proseRenderer(claims, slug);
	const blocks: Block[] = [];
	const prose = (markdown: string) => markdown.trim() && blocks.push({ kind: 'prose', html: sanitize(marked.parse(markdown, { async: false })) });
	let last = 0;
	for (const match of body.matchAll(CELL_BLOCK)) {
		prose(body.slice(last, match.index));
		let yaml: unknown;
		try {
			yaml = parseYaml(match[1]);
		} catch (error) {
			throw new NotebookError(`Notebook "${slug}": a cell is not valid YAML (${(error as Error).message.split('\n')[0]}).`);
		}
		const spec = cellSchema.safeParse(yaml);
		if (!spec.success) throw new NotebookError(`Notebook "${slug}": cell ${blocks.filter((b) => b.kind === 'cell').length + 1}: ${issues(spec.error)}.`);
		blocks.push({ kind: 'cell', spec: spec.data });
		last = match.index + match[0].length;
	}
	prose(body.slice(last));

	const ids = blocks.flatMap((b) => (b.kind === 'cell' ? [b.spec.id] : []));
	const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
	if (repeated) throw new NotebookError(`Notebook "${slug}": two cells are called "${repeated}".`);
	const orphan = claims.find((c) => !ids.includes(c.cell));
	if (orphan) throw new NotebookError(`Notebook "${slug}": the claim on "${orphan.cell}.${orphan.metric}" names no cell of this notebook.`);
	return { slug, meta: meta.data, blocks, claims };
}
