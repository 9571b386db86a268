/**
 * Bad input to `longscope`: every row must exit 2 with one line on stderr ("error: …") that says
 * what is wrong, with no stack trace and nothing on stdout. Rows run in-process (a spawn costs a
 * tsx start-up); a few also run as a real process to prove the exit code and stderr end to end.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/program';

const exec = promisify(execFile);

interface Row {
	args: string[];
	message: RegExp;
	/** Also run as a real process. */
	spawn?: true;
}

const F = ['--models', 'tests/fixtures'];
const TINY = 'model=tiny-gqa&len=128';
const tooMany = JSON.stringify({ len: [16, 17, 18, 19, 20, 21, 22, 23, 24, 25], seed: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], depth: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] });

const rows: Row[] = [
	// run: options commander refuses
	{ args: ['run', '--foo', 'len=256'], message: /unknown option '--foo'/, spawn: true },
	{ args: ['run', 'len=256', '--models'], message: /option '--models <dir>' argument missing/ },
	{ args: ['run', '--grid'], message: /option '--grid <json>' argument missing/ },
	{ args: ['run', 'len=256', 'len=512'], message: /too many arguments for 'run'\. Expected 1 argument but got 2/, spawn: true },
	{ args: ['run', TINY, '--recall=yes'], message: /unknown option '--recall=yes'/ },
	{ args: ['run'], message: /run needs an experiment \(a URL query or JSON\) or --grid/ },
	// run: numbers
	{ args: ['run', TINY, ...F, '--chunk', '-1'], message: /^error: --chunk is "-1", which must be a positive whole number in plain digits/, spawn: true },
	{ args: ['run', TINY, ...F, '--chunk', '0'], message: /--chunk is "0", which must be a positive whole number/ },
	{ args: ['run', TINY, ...F, '--chunk', '1.5'], message: /--chunk is "1\.5", which must be a positive whole number/ },
	{ args: ['run', TINY, ...F, '--chunk', ''], message: /--chunk is "", which must be a positive whole number/ },
	{ args: ['run', TINY, ...F, '--chunk', 'x'.repeat(100)], message: /--chunk is "x{39}…", which/ },
	{ args: ['run', TINY, ...F, '--max-new-tokens', '1e3'], message: /--max-new-tokens is "1e3", which must be a positive whole number/ },
	{ args: ['run', TINY, ...F, '--max-new-tokens', 'abc'], message: /--max-new-tokens is "abc", which must be a positive whole number/ },
	// run: --mask-heads, malformed and (once the model is known) out of range
	{ args: ['run', TINY, ...F, '--mask-heads', 'a.b'], message: /--mask-heads is "a\.b", which is not a list of query heads as layer\.head/ },
	{ args: ['run', TINY, ...F, '--mask-heads', '1'], message: /--mask-heads is "1", which is not a list of query heads/ },
	{ args: ['run', TINY, ...F, '--mask-heads', '1.0,'], message: /--mask-heads is "1\.0,", which is not a list of query heads/ },
	{ args: ['run', TINY, ...F, '--mask-heads', '0.4'], message: /--mask-heads names head 0\.4, but model "tiny-gqa" has 2 layers of 4 query heads \(0\.0 to 1\.3\)/, spawn: true },
	{ args: ['run', TINY, ...F, '--mask-heads', '0.1,7.0'], message: /--mask-heads names head 7\.0, but model "tiny-gqa" has 2 layers of 4 query heads/ },
	{ args: ['run', 'len=128', '--model-dir', 'tests/fixtures/stories260k', '--mask-heads', '5.0'], message: /names head 5\.0, but model "stories260k" has 5 layers of 8 query heads \(0\.0 to 4\.7\)/ },
	// run: --grid
	{ args: ['run', '--grid', '{"len":[]}', TINY], message: /--grid: "len" must be a non-empty list of values/, spawn: true },
	{ args: ['run', '--grid', '{"len":256}', TINY], message: /--grid: "len" must be a non-empty list of values/ },
	{ args: ['run', '--grid', '[1]'], message: /--grid must be a JSON object mapping parameter names to lists/ },
	{ args: ['run', '--grid', '{"len":'], message: /--grid is not valid JSON/ },
	{ args: ['run', '--grid', tooMany, 'model=tiny-gqa'], message: /--grid makes 1100 runs, more than the limit of 1000; pass --max-runs 1100/ },
	{ args: ['run', '--grid', '{"seed":[1,2,3]}', TINY, '--max-runs', '2'], message: /--grid makes 3 runs, more than the limit of 2; pass --max-runs 3/ },
	{ args: ['run', '--grid', '{"seed":[1]}', TINY, '--max-runs', '0'], message: /--max-runs is "0", which must be a positive whole number/ },
	{ args: ['run', '--grid', '{"len":[128,-4]}', TINY, ...F], message: /"len" is "-4", which must be at least 16/ },
	{ args: ['run', '--grid', '{"bogus":[1]}', TINY], message: /"bogus" is not a parameter of this lab/ },
	{ args: ['run', '--grid', '{"len":[128]}', '{"model":"tiny-gqa"}'], message: /With --grid the base experiment is a URL query/ },
	// run: the experiment and the model
	{ args: ['run', 'len=-4&bogus=1'], message: /"len" is "-4", which must be at least 16.* "bogus" is not a parameter/ },
	{ args: ['run', '{"len": '], message: /The experiment is not valid JSON/ },
	{ args: ['run', 'model=nope', ...F], message: /tests\/fixtures\/nope/ },
	{ args: ['run', `${TINY}&pos=alibi`, ...F], message: /ALiBi only applies to models trained with it/ },
	{ args: ['run', 'len=128', '--model-dir', 'no/such/Tiny_GQA'], message: /--model-dir "no\/such\/Tiny_GQA": the directory's name "Tiny_GQA" names the model, and it must be a model id/ },
	// info
	{ args: ['info'], message: /missing required argument 'dir'/ },
	{ args: ['info', 'a', 'b'], message: /too many arguments for 'info'/ },
	{ args: ['info', 'tests/fixtures'], message: /tests\/fixtures/ },
	// notebook
	{ args: ['notebook'], message: /missing required argument 'file'/ },
	{ args: ['notebook', 'no/such.md'], message: /Cannot read no\/such\.md/ },
	{ args: ['notebook', 'no/such.md', '--models'], message: /option '--models <dir>' argument missing/ },
	// cost
	{ args: ['cost', '--model', 'llama-3-8b', '--tokens', '-1'], message: /--tokens is "-1", which must be a positive whole number/, spawn: true },
	{ args: ['cost', '--model', 'llama-3-8b', '--tokens', '1e3'], message: /--tokens is "1e3", which must be a positive whole number/ },
	{ args: ['cost', '--model', 'llama-3-8b', '--tokens', '99999999999999999999'], message: /--tokens is "99999999999999999999", which is too large/ },
	{ args: ['cost', '--tokens', '10'], message: /required option '--model <id>' not specified/ },
	{ args: ['cost', '--model', 'llama-3-8b'], message: /required option '--tokens <n>' not specified/ },
	{ args: ['cost', '--model', 'llama-3-8b', '--tokens', '10', '--kv-dtype', 'fp8'], message: /argument 'fp8' is invalid\. Allowed choices are fp32, fp16, int8, int4/ },
	{ args: ['cost', '--model', 'llama-3-8b', '--tokens', '10', '--kv-dtype', 'fp\n8'], message: /argument 'fp; 8' is invalid/ },
	{ args: ['cost', '--model', 'llama-3-8b', '--tokens', '10', '--hardware', 'abacus'], message: /Unknown hardware "abacus" \(known: phone, laptop/ },
	{ args: ['cost', '--model', 'no/such/model', '--tokens', '10'], message: /no\/such\/model/ },
	// the program
	{ args: ['frobnicate'], message: /unknown command 'frobnicate'/ },
	{ args: ['--bogus'], message: /unknown option '--bogus'/ }
];

function expectRefused({ code, stdout, stderr }: { code: number | null; stdout: string; stderr: string }, message: RegExp) {
	expect(stderr).toMatch(/^error: [^\n]+\n$/);
	expect(stderr).toMatch(message);
	expect(stderr).not.toMatch(/^\s+at /m);
	expect(stdout).toBe('');
	expect(code).toBe(2);
}

describe('longscope refuses bad input', () => {
	it.each(rows)('$args', async ({ args, message }) => {
		let stdout = '';
		let stderr = '';
		const code = await main(args, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) });
		expectRefused({ code, stdout, stderr }, message);
	});

	// Each spawn is a Node and tsx start-up: a second or two.
	it.each(rows.filter((row) => row.spawn))('as a process: $args', async ({ args, message }) => {
		const failure = await exec('node', ['bin/longscope.js', ...args], { timeout: 120_000 }).then(
			() => ({ code: 0, stdout: '', stderr: 'it succeeded' }),
			(error: { code: number | null; stdout: string; stderr: string }) => error
		);
		expectRefused(failure, message);
	});
});
