/** The notebooks shipped in `notebooks/*.md`, bundled with the app as text. */
import type { WindowLike } from 'dompurify';
import { parseNotebook, type Notebook, type NotebookMeta } from './notebook';
import { notebookSanitizer } from './sanitize';

const sources = import.meta.glob(['/notebooks/*.md', '!/notebooks/README.md'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

const slugOf = (path: string) => path.replace(/^.*\//, '').replace(/\.md$/, '');

export const NOTEBOOK_SOURCES: Record<string, string> = Object.fromEntries(Object.entries(sources).map(([path, text]) => [slugOf(path), text]));

/**
 * Parsed on demand: one broken notebook must not take the others (or the app) down. The prose is
 * sanitised for `{@html}`; without a window (server rendering, plain Node) this throws rather than
 * hand out raw HTML.
 */
export function loadNotebook(slug: string, window: WindowLike | undefined = globalThis.window): Notebook | null {
	// Own keys only: the slug comes from the URL, and "constructor" is on every object's prototype.
	if (!Object.hasOwn(NOTEBOOK_SOURCES, slug)) return null;
	return parseNotebook(slug, NOTEBOOK_SOURCES[slug], notebookSanitizer(window));
}

export function notebookList(): { slug: string; meta: NotebookMeta | null; error: string | null }[] {
	return Object.keys(NOTEBOOK_SOURCES)
		.map((slug) => {
			try {
				// Only the front matter is shown here, so the prose need not be sanitised.
				return { slug, meta: parseNotebook(slug, NOTEBOOK_SOURCES[slug]).meta, error: null };
			} catch (error) {
				return { slug, meta: null, error: (error as Error).message };
			}
		})
		.sort((a, b) => (a.meta?.order ?? 99) - (b.meta?.order ?? 99));
}
