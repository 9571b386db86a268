/**
 * The worst links we can build, each at the codec's size cap: decoding must stay linear (a
 * quadratic number pattern once took 14 s on 80 000 digits) and well under 50 ms.
 */
import { MAX_QUERY_LENGTH, MAX_QUERY_PARAMS, catalog } from '../src/lib/experiment/index';
import { decodeAB } from '../src/lib/experiment/ab';

const fill = (head: string, unit: string, tail = '') => head + unit.repeat(Math.floor((MAX_QUERY_LENGTH - head.length - tail.length) / unit.length)) + tail;

const WORST_LINKS: Record<string, string> = {
	'digits, then a letter': fill('depth=', '1', 'x'),
	'decimal, then a letter': fill(`depth=${'1'.repeat(MAX_QUERY_LENGTH / 2)}.`, '1', 'x'),
	'unknown views': fill('views=', 'x,'),
	'one huge key': fill('', 'k', '=1'),
	'the most parameters a link may hold': Array.from({ length: MAX_QUERY_PARAMS }, (_, i) => `${'k'.repeat(Math.floor(MAX_QUERY_LENGTH / MAX_QUERY_PARAMS) - 8)}${i}=1`).join('&'),
	'percent-encoded bidi overrides': fill('task=', '%E2%80%AE'),
	'head list, then a letter': fill('kv=duo-attention&kv.retrieval_heads=', '1.1,', 'x')
};

function bestOf(runs: number, fn: () => void): number {
	let best = Infinity;
	for (let i = 0; i < runs; i++) {
		const start = performance.now();
		fn();
		best = Math.min(best, performance.now() - start);
	}
	return best;
}

export function benchLinks() {
	console.table(
		Object.entries(WORST_LINKS).map(([name, query]) => {
			const parse = bestOf(5, () => void [...new URLSearchParams(query)]);
			const decode = bestOf(5, () => void decodeAB(query, catalog));
			return { 'worst link': name, characters: query.length, 'decode ms': +decode.toFixed(1), 'vs URLSearchParams parse': +(decode / parse).toFixed(1) };
		})
	);
}
