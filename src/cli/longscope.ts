/**
 * `longscope`: run experiments headless with the same engine the browser uses.
 * The commands, their options and exit codes are in `program.ts`; `longscope --help` lists them.
 */
import { availableParallelism } from 'node:os';
import { useWasmThreads } from '../lib/engine/runtime';
import { main } from './program';

useWasmThreads(availableParallelism());

// exitCode rather than exit(): a piped stdout still gets every line of a long grid.
process.exitCode = await main(process.argv.slice(2), {
	out: (text) => void process.stdout.write(text),
	err: (text) => void process.stderr.write(text)
});
