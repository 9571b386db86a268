/**
 * `longscope`: run experiments headless with the same engine the browser uses.
 * The commands, their options and exit codes are in `program.ts`; `longscope --help` lists them.
 */
import { main } from './program';

// exitCode rather than exit(): a piped stdout still gets every line of a long grid.
process.exitCode = await main(process.argv.slice(2), {
	out: (text) => void process.stdout.write(text),
	err: (text) => void process.stderr.write(text)
});
