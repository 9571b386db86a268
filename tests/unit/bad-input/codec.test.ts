/**
 * Bad links: each row is an input a user or an attacker could send, the key each problem must
 * name, a phrase its message must hold so the user can act on it, and the fallback that results.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PROBLEMS, MAX_QUERY_LENGTH, MAX_QUERY_PARAMS, VIEW_IDS, decodeQuery, defaultExperiment, encodeQuery, experimentSchema, type Experiment } from '$lib/experiment';
import { decodeAB } from '$lib/experiment/ab';
import { testCatalog } from '../test-catalog';

interface BadCase {
	name: string;
	query: string;
	/** The key each reported problem should name. */
	keys: string[];
	/** A phrase the message must contain so a user can act on it. */
	says: string;
	/** What the experiment must hold after falling back. */
	check: (e: Experiment) => void;
}

const defaults = defaultExperiment(testCatalog);
/** Characters that would hide or reorder a message: C0/C1 controls, bidi overrides and isolates, zero-width. */
const INVISIBLE = ['\u0000', '\u001b', '\u007f', '\u0085', '\u200b', '\u200e', '\u202a', '\u202e', '\u2066', '\u2069', '\u2028', '\ufeff'];

const BAD_INPUTS: BadCase[] = [
	{ name: 'unknown key', query: 'foo=1', keys: ['foo'], says: 'not a parameter of this lab', check: (e) => expect(e).toEqual(defaults) },
	{ name: 'NaN length', query: 'len=NaN', keys: ['len'], says: 'not a whole number', check: (e) => expect(e.len).toBe(512) },
	{ name: 'negative length', query: 'len=-5', keys: ['len'], says: 'at least 16', check: (e) => expect(e.len).toBe(512) },
	{ name: 'huge length', query: 'len=99999999999999999999', keys: ['len'], says: 'at most 131072', check: (e) => expect(e.len).toBe(512) },
	{ name: 'overflowing number', query: 'depth=1e400', keys: ['depth'], says: 'too large', check: (e) => expect(e.depth).toBe(0.5) },
	{ name: 'fractional length', query: 'len=512.5', keys: ['len'], says: 'whole number', check: (e) => expect(e.len).toBe(512) },
	{ name: 'hex number', query: 'seed=0x10', keys: ['seed'], says: 'whole number', check: (e) => expect(e.seed).toBe(1) },
	{ name: 'empty number', query: 'depth=', keys: ['depth'], says: 'not a number', check: (e) => expect(e.depth).toBe(0.5) },
	{ name: 'depth above 1', query: 'depth=1.5', keys: ['depth'], says: 'at most 1', check: (e) => expect(e.depth).toBe(0.5) },
	{ name: 'Infinity', query: 'depth=Infinity', keys: ['depth'], says: 'not a number', check: (e) => expect(e.depth).toBe(0.5) },
	{
		name: 'injected HTML in a model id',
		query: 'model=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
		keys: ['model'],
		says: 'must be a model id',
		check: (e) => expect(e.model).toBe('lab-rope')
	},
	{
		name: 'injected HTML as a technique',
		query: 'attn=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&attn.window=4',
		keys: ['attn'],
		says: 'not a known attention pattern',
		check: (e) => expect(e.attn).toEqual(defaults.attn)
	},
	{ name: 'a hub id without an organisation', query: 'model=hf:SmolLM2-135M', keys: ['model'], says: 'is not a hub model id: it needs an organisation and a name', check: (e) => expect(e.model).toBe('lab-rope') },
	{ name: 'a hub revision that climbs out of its path', query: 'model=hf:org/name@../../etc', keys: ['model'], says: 'the revision after "@" must be a branch, tag or commit', check: (e) => expect(e.model).toBe('lab-rope') },
	{ name: 'a hub repo name with a space', query: 'model=hf:org/na%20me@main', keys: ['model'], says: 'the name must be 1 to 96 letters', check: (e) => expect(e.model).toBe('lab-rope') },
	{ name: 'a lab model id over 64 characters', query: `model=${'a'.repeat(65)}`, keys: ['model'], says: 'longer than the 64 characters of a lab model id', check: (e) => expect(e.model).toBe('lab-rope') },
	{ name: 'a hub id over its length', query: `model=hf:o/${'n'.repeat(400)}`, keys: ['model'], says: 'at most 325 characters', check: (e) => expect(e.model).toBe('lab-rope') },
	{ name: 'unicode model id', query: 'model=m%C3%B6dell-%F0%9F%A6%99', keys: ['model'], says: 'must be a model id', check: (e) => expect(e.model).toBe('lab-rope') },
	{ name: 'unicode number', query: 'len=%EF%BC%95%EF%BC%91%EF%BC%92', keys: ['len'], says: 'whole number', check: (e) => expect(e.len).toBe(512) },
	{
		name: 'parameter of another technique',
		query: 'attn=sink-window&attn.budget=0.5',
		keys: ['attn.budget'],
		says: 'its parameters are sink, window',
		check: (e) => expect(e.attn).toEqual({ id: 'sink-window', params: { sink: 4, window: 128 } })
	},
	{
		name: 'parameter of the default technique',
		query: 'attn.window=64',
		keys: ['attn.window'],
		says: 'has no parameters',
		check: (e) => expect(e.attn).toEqual(defaults.attn)
	},
	{
		name: 'out-of-range technique parameter keeps the others',
		query: 'attn=sink-window&attn.sink=-1&attn.window=64',
		keys: ['attn.sink'],
		says: 'at least 0',
		check: (e) => expect(e.attn).toEqual({ id: 'sink-window', params: { sink: 4, window: 64 } })
	},
	{ name: 'bad enum', query: 'kv=snapkv&kv.pooling=median', keys: ['kv.pooling'], says: 'one of avg, max', check: (e) => expect(e.kv.params.pooling).toBe('avg') },
	{ name: 'bad bool', query: 'kv=test-bools&kv.per_head=yes', keys: ['kv.per_head'], says: 'true or false', check: (e) => expect(e.kv.params.per_head).toBe(false) },
	{ name: 'bad list', query: 'attn=per-layer&attn.full_layers=1,two', keys: ['attn.full_layers'], says: 'list of whole numbers', check: (e) => expect(e.attn.params.full_layers).toEqual([0]) },
	{ name: 'list item out of range', query: 'attn=per-layer&attn.full_layers=1,900', keys: ['attn.full_layers'], says: 'at most 511', check: (e) => expect(e.attn.params.full_layers).toEqual([0]) },
	{ name: 'unknown view', query: 'views=heatmap,bogus', keys: ['views'], says: 'not a view', check: (e) => expect(e.views).toEqual(['heatmap']) },
	{ name: 'duplicate key', query: 'seed=3&seed=4', keys: ['seed'], says: 'more than once', check: (e) => expect(e.seed).toBe(3) },
	{ name: 'newer format version', query: 'v=9&seed=3', keys: ['v'], says: 'version', check: (e) => expect(e.seed).toBe(3) },
	{ name: '__proto__ parameter', query: 'attn=sink-window&attn.__proto__=1', keys: ['attn.__proto__'], says: 'not a parameter', check: (e) => expect(e.attn.params.sink).toBe(4) },
	{ name: 'malformed percent-encoding', query: 'len=%E0%A4%A', keys: ['len'], says: 'whole number', check: (e) => expect(e.len).toBe(512) },
	{ name: 'negative zero seed', query: 'seed=-0', keys: [], says: '', check: (e) => expect(Object.is(e.seed, 0)).toBe(true) },
	{ name: 'negative zero depth', query: 'depth=-0', keys: [], says: '', check: (e) => expect(Object.is(e.depth, 0)).toBe(true) },
	{ name: 'long run of digits then a letter', query: `depth=${'1'.repeat(100_000)}x`, keys: ['depth'], says: 'not a number', check: (e) => expect(e.depth).toBe(0.5) },
	{ name: 'long decimal then a letter', query: `depth=${'1'.repeat(50_000)}.${'1'.repeat(50_000)}x`, keys: ['depth'], says: 'not a number', check: (e) => expect(e.depth).toBe(0.5) },
	{ name: 'long integer then a letter', query: `len=${'1'.repeat(100_000)}x`, keys: ['len'], says: 'not a whole number', check: (e) => expect(e.len).toBe(512) },
	{ name: 'exponent without digits', query: 'depth=1e', keys: ['depth'], says: 'not a number', check: (e) => expect(e.depth).toBe(0.5) },
	{ name: 'two decimal points', query: 'depth=0.1.2', keys: ['depth'], says: 'not a number', check: (e) => expect(e.depth).toBe(0.5) },
	{ name: 'lone minus', query: 'seed=-', keys: ['seed'], says: 'whole number', check: (e) => expect(e.seed).toBe(1) },
	{ name: 'empty number', query: 'len=', keys: ['len'], says: 'whole number', check: (e) => expect(e.len).toBe(512) },
	{ name: 'long list of unknown views', query: `views=${'x,'.repeat(100_000)}kv`, keys: ['views'], says: '"views" has 200,002 characters, more than any list of views', check: (e) => expect(e.views).toEqual([...VIEW_IDS]) },
	{ name: 'several unknown views', query: 'views=a,b,kv,c,d,e', keys: ['views'], says: '"a", "b", "c" and 2 more are not views', check: (e) => expect(e.views).toEqual(['kv']) },
	{ name: 'one unknown view among known ones', query: 'views=kv,nope', keys: ['views'], says: '"nope" is not a view', check: (e) => expect(e.views).toEqual(['kv']) },
	{ name: 'a key of a million characters', query: `${'k'.repeat(999_000)}=1`, keys: [`${'k'.repeat(39)}…`], says: `"${'k'.repeat(39)}…" is not a parameter`, check: (e) => expect(e).toEqual(defaults) },
	{ name: 'a technique key of 50 000 characters', query: `attn=window&attn.${'w'.repeat(50_000)}=1`, keys: [`attn.${'w'.repeat(34)}…`], says: `"attn.${'w'.repeat(34)}…" is not a parameter of`, check: (e) => expect(e.attn.id).toBe('window') },
	{ name: 'a duplicate key of 50 000 characters', query: `${'d'.repeat(50_000)}=1&${'d'.repeat(50_000)}=2`, keys: [`${'d'.repeat(39)}…`, `${'d'.repeat(39)}…`], says: 'more than once', check: (e) => expect(e).toEqual(defaults) },
	{ name: 'a right-to-left override in a key', query: 'evil%E2%80%AEkey=1', keys: ['evil\\u{202E}key'], says: '"evil\\u{202E}key"', check: (e) => expect(e).toEqual(defaults) },
	{ name: 'a newline and escape in a value', query: 'attn=%1B%5B31mred%0Aline', keys: ['attn'], says: '"\\u{001B}[31mred\\u{000A}line"', check: (e) => expect(e.attn).toEqual(defaults.attn) },
	{ name: 'a zero-width space in a model id', query: 'model=lab%E2%80%8B-rope', keys: ['model'], says: '"lab\\u{200B}-rope"', check: (e) => expect(e.model).toBe('lab-rope') },
	{ name: 'a NUL in a view', query: 'views=kv%00', keys: ['views'], says: '"kv\\u{0000}" is not a view', check: (e) => expect(e.views).toEqual([]) },
	{ name: 'a long value with emoji is cut between characters', query: `model=${encodeURIComponent('🦙'.repeat(100))}`, keys: ['model'], says: `"${'🦙'.repeat(39)}…"`, check: (e) => expect(e.model).toBe('lab-rope') },
	{ name: 'a thousand unknown keys', query: Array.from({ length: 1000 }, (_, i) => `k${i}=1`).join('&'), keys: Array.from({ length: MAX_PROBLEMS }, (_, i) => `k${i}`), says: '"k0" is not a parameter', check: (e) => expect(e).toEqual(defaults) },
	{ name: 'too many parameters', query: Array.from({ length: MAX_QUERY_PARAMS + 1 }, () => 'seed=2').join('&'), keys: [''], says: `more than the ${MAX_QUERY_PARAMS.toLocaleString('en-US')} parameters this lab reads`, check: (e) => expect(e).toEqual(defaults) },
	{ name: 'a link over the size cap', query: `seed=3&task.prompt=${'a'.repeat(MAX_QUERY_LENGTH)}`, keys: [''], says: `more than the ${MAX_QUERY_LENGTH.toLocaleString('en-US')} this lab reads`, check: (e) => expect(e).toEqual(defaults) },
	{ name: 'a lone surrogate', query: 'model=%ED%A0%80', keys: ['model'], says: 'must be a model id', check: (e) => expect(e.model).toBe('lab-rope') },
	{ name: 'a key that is only a dot', query: '.=1', keys: ['.'], says: 'not a parameter of this lab', check: (e) => expect(e).toEqual(defaults) },
	{ name: 'a technique key with no parameter name', query: 'attn=window&attn.=1', keys: ['attn.'], says: 'not a parameter of', check: (e) => expect(e.attn.id).toBe('window') },
	{ name: 'constructor as a technique', query: 'kv=constructor', keys: ['kv'], says: 'not a known', check: (e) => expect(e.kv).toEqual(defaults.kv) },
	{ name: 'toString as a view', query: 'views=toString', keys: ['views'], says: 'is not a view', check: (e) => expect(e.views).toEqual([]) },
	{ name: 'a text value over its length', query: `task=free&task.prompt=${'a'.repeat(200_001)}`, keys: ['task.prompt'], says: 'at most 200000 characters', check: (e) => expect(e.task.params.prompt).toBe('Once upon a time') }
];

describe('URL codec on bad input', () => {
	it.each(BAD_INPUTS)('$name gives a clear problem and a valid fallback', ({ query, keys, says, check }) => {
		const { experiment, problems, problemCount } = decodeQuery(query, testCatalog);
		expect(problems.map((p) => p.key)).toEqual(keys);
		expect(problemCount).toBeGreaterThanOrEqual(problems.length);
		if (says) expect(problems[0].message).toContain(says);
		for (const { message } of problems) {
			expect(message.length).toBeLessThan(400);
			for (const c of INVISIBLE) expect(message).not.toContain(c);
		}
		expect(experimentSchema(testCatalog).safeParse(experiment).success).toBe(true);
		check(experiment);
	});

	it('quotes untrusted values short and escaped in messages', () => {
		const long = '<b>'.repeat(100);
		const { problems } = decodeQuery(`model=${encodeURIComponent(long)}`, testCatalog);
		expect(problems[0].message).toContain('"<b><b><b>');
		expect(problems[0].message.length).toBeLessThan(200);
	});

	it('makes every invisible character visible', () => {
		for (const c of INVISIBLE) {
			const { problems } = decodeQuery(`a${encodeURIComponent(c)}b=1`, testCatalog);
			const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
			expect(problems[0].message).toContain(`"a\\u{${code}}b"`);
		}
	});

	it('keeps the first problems and counts the rest', () => {
		const query = Array.from({ length: 1500 }, (_, i) => `seed=${i}`).join('&');
		const { problems, problemCount, experiment } = decodeQuery(query, testCatalog);
		expect(problemCount).toBe(1499);
		expect(problems).toHaveLength(MAX_PROBLEMS);
		expect(experiment.seed).toBe(0);
	});

	it('counts the problems of A and B together in an A/B link', () => {
		const query = `${Array.from({ length: 60 }, (_, i) => `x${i}=1`).join('&')}&${Array.from({ length: 60 }, (_, i) => `b.y${i}=1`).join('&')}&b.attn=window`;
		const { problems, problemCount, b } = decodeAB(query, testCatalog);
		expect(problemCount).toBe(120);
		expect(problems).toHaveLength(MAX_PROBLEMS);
		expect(b!.attn.id).toBe('window');
		expect(decodeAB(`b.attn=window&${'x'.repeat(MAX_QUERY_LENGTH)}`, testCatalog).b).toBeNull();
	});

	it('writes −0 as 0', () => {
		const { experiment } = decodeQuery('seed=-0&depth=-0', testCatalog);
		expect(encodeQuery(experiment, testCatalog)).toContain('&depth=0&seed=0&');
	});

	it('decodes the worst links in linear time', () => {
		// Quadratic parsing took 14 s on 80 000 digits; linear takes milliseconds. The bound is loose
		// on purpose (a busy machine must not fail it): quadratic parsing of a million digits takes half an hour.
		for (const query of [`depth=${'1'.repeat(MAX_QUERY_LENGTH - 10)}x`, `views=${'x,'.repeat(MAX_QUERY_LENGTH / 2 - 10)}`]) {
			const start = performance.now();
			decodeQuery(query, testCatalog);
			expect(performance.now() - start).toBeLessThan(5_000);
		}
	});
});
