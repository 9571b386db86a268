/** The notebooks shipped in `notebooks/*.md`, bundled with the app as text. */
import { parseNotebook, type Notebook, type NotebookMeta } from './notebook';

const sources = import.meta.glob(['/notebooks/*.md', '!/notebooks/README.md'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

const slugOf = (path: string) => path.replace(/^.*\//, '').replace(/\.md$/, '');

export const NOTEBOOK_SOURCES: Record<string, string> = Object.fromEntries(Object.entries(sources).map(([path, text]) => [slugOf(path), text]));

/** Parsed on demand: one broken notebook must not take the others (or the app) down. */
export function loadNotebook(slug: string): Notebook | null {
	const source = NOTEBOOK_SOURCES[slug];
	return source === undefined ? null : parseNotebook(slug, source);
}

export function notebookList(): { slug: string; meta: NotebookMeta | null; error: string | null }[] {
	return Object.keys(NOTEBOOK_SOURCES)
		.map((slug) => {
			try {
				return { slug, meta: loadNotebook(slug)!.meta, error: null };
			} catch (error) {
				return { slug, meta: null, error: (error as Error).message };
			}
		})
		.sort((a, b) => (a.meta?.order ?? 99) - (b.meta?.order ?? 99));
}
