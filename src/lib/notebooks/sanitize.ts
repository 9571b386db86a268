/**
 * Notebook prose is shown with `{@html}`, so what marked renders is cleaned first. DOMPurify needs
 * a DOM: the browser's window in the app, a jsdom window in Node tests.
 */
import createDOMPurify, { type WindowLike } from 'dompurify';

/**
 * DOMPurify's default URL pattern with every scheme but http(s) taken out: relative URLs still
 * pass; javascript:, vbscript:, data:, mailto: and the rest do not. DOMPurify strips whitespace
 * and control characters before testing, so "  java\tscript:" fails too.
 */
const HTTP_OR_RELATIVE = /^(?:https?:|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i;

const DATA_URI_ATTRS = new Set(['src', 'href', 'xlink:href']);

export type Sanitizer = (html: string) => string;

export function notebookSanitizer(window: WindowLike | undefined): Sanitizer {
	const purify = createDOMPurify(window);
	// Without a DOM, DOMPurify returns its input unchanged: refuse instead of passing HTML through.
	if (!purify.isSupported) throw new Error('Cannot sanitise notebook HTML without a DOM window.');
	// DOMPurify lets data: URLs through in img/audio/video src whatever ALLOWED_URI_REGEXP says.
	purify.addHook('uponSanitizeAttribute', (_node, attr) => {
		if (DATA_URI_ATTRS.has(attr.attrName) && /^data:/i.test(attr.attrValue.replace(/\s/g, ''))) attr.keepAttr = false;
	});
	const config = {
		ALLOWED_URI_REGEXP: HTTP_OR_RELATIVE,
		// KaTeX's MathML wraps each formula in <semantics> with its TeX source in <annotation encoding>.
		ADD_TAGS: ['semantics', 'annotation'],
		ADD_ATTR: ['encoding'],
		// A <style> element restyles the whole app, and a notebook has nothing to submit.
		FORBID_TAGS: ['style', 'form']
	};
	return (html) => purify.sanitize(html, config);
}
