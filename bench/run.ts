/**
 * `npm run bench`: benchmarks print ratios measured in the same run, never absolute targets.
 */
import { availableParallelism } from 'node:os';
import { useWasmThreads } from '../src/lib/engine/runtime';
import { catalog, decodeQuery, defaultExperiment, encodeQuery } from '../src/lib/experiment/index';
import { benchEngine } from './engine';
import { benchLinks } from './links';
import { benchBrowser } from './browser';
import { benchKernelsInBrowser } from './kernels';
import { benchLongContext } from './long-context';
import { benchTrainer } from './trainer';

// As the CLI runs: a thread per core (onnxruntime's default is half of them).
useWasmThreads(availableParallelism());

function timePerCall(fn: () => void, minMs = 300): number {
	for (let i = 0; i < 50; i++) fn();
	let calls = 0;
	const start = performance.now();
	while (performance.now() - start < minMs) {
		fn();
		calls++;
	}
	return (performance.now() - start) / calls;
}

const query = encodeQuery(defaultExperiment(catalog), catalog);
const parseOnly = timePerCall(() => void [...new URLSearchParams(query)]);
const decode = timePerCall(() => void decodeQuery(query, catalog));

console.table([
	{ benchmark: 'URLSearchParams parse (baseline)', 'µs/call': +(parseOnly * 1000).toFixed(2), ratio: 1 },
	{ benchmark: 'decodeQuery (parse + validate)', 'µs/call': +(decode * 1000).toFixed(2), ratio: +(decode / parseOnly).toFixed(1) }
]);

benchLinks();
await benchEngine();
await benchTrainer();
await benchLongContext();
await benchBrowser();
await benchKernelsInBrowser();
