import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RUNS, gridExperiments, main } from '../../src/cli/program';

const exec = promisify(execFile);
const cli = (...args: string[]) => exec('node', ['bin/longscope.js', ...args], { timeout: 120_000 });

/** The command line without a process: its exit code and what it wrote. */
async function inProcess(...args: string[]) {
	let stdout = '';
	let stderr = '';
	const code = await main(args, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) });
	return { code, stdout, stderr };
}

describe('longscope CLI', () => {
	it('runs an experiment given as a URL query and prints the result as JSON', async () => {
		const { stdout } = await cli('run', '?model=tiny-gqa&task=passkey&len=256&seed=4', '--models', 'tests/fixtures');
		const result = JSON.parse(stdout);
		expect(result.experiment).toMatchObject({ model: 'tiny-gqa', len: 256, seed: 4, task: { id: 'passkey' } });
		expect(result.hash).toMatch(/^[0-9a-f]{64}$/);
		expect(result.promptTokens).toBe(256);
		expect(result.expected).toMatch(/^ \d{5}\.$/);
		expect(typeof result.output).toBe('string');
		expect(result.correct).toBe(false); // random weights cannot know the pass key
		expect(result.timings.prefillMs).toBeGreaterThan(0);
		expect(result.kv.residentBytes).toBe((256 + result.timings.decodeSteps) * 2 * 2 * 8 * 2 * 4);
		expect(result.kv.bytesReadPerStep).toBeGreaterThan(0);
	});

	it('runs the same experiment given as JSON to the same hash and output', async () => {
		const query = await cli('run', 'model=tiny-gqa&task=lines&len=300&seed=2', '--models', 'tests/fixtures');
		const json = await cli('run', JSON.stringify({ model: 'tiny-gqa', task: { id: 'lines' }, len: 300, seed: 2 }), '--models', 'tests/fixtures');
		const [a, b] = [JSON.parse(query.stdout), JSON.parse(json.stdout)];
		expect(b.hash).toBe(a.hash);
		expect(b.tokens).toEqual(a.tokens);
	});

	it('runs a grid as one JSON line per combination', async () => {
		const { stdout } = await cli('run', '--grid', '{"len":[256,300],"depth":[0,1]}', 'model=tiny-gqa&task=passkey', '--models', 'tests/fixtures');
		const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
		expect(lines.map((r) => [r.experiment.len, r.experiment.depth])).toEqual([
			[256, 0],
			[256, 1],
			[300, 0],
			[300, 1]
		]);
		expect(new Set(lines.map((r) => r.hash)).size).toBe(4);
	});

	it('reports the pattern\'s density and, with --recall, its attention-mass recall', async () => {
		const full = JSON.parse((await cli('run', 'model=tiny-gqa&len=128', '--models', 'tests/fixtures', '--recall')).stdout);
		expect(full.attention.density).toBe(1);
		expect(full.attention.recall).toBeCloseTo(1, 6);
		const windowed = JSON.parse((await cli('run', 'model=tiny-gqa&len=128&attn=window&attn.window=16', '--models', 'tests/fixtures', '--recall')).stdout);
		expect(windowed.attention.density).toBeGreaterThan(0.1);
		expect(windowed.attention.density).toBeLessThan(0.3);
		expect(windowed.attention.recall).toBeGreaterThan(windowed.attention.density);
		expect(windowed.attention.recall).toBeLessThan(1);
	});

	it('refuses a position scheme the model cannot use', async () => {
		const failure = await cli('run', 'model=tiny-gqa&len=128&pos=alibi', '--models', 'tests/fixtures').catch((e) => e);
		expect(failure.code).toBe(2);
		expect(failure.stderr).toMatch(/ALiBi only applies to models trained with it/);
	});

	it('prints model info', async () => {
		const { stdout } = await cli('info', 'tests/fixtures/stories260k');
		const info = JSON.parse(stdout);
		expect(info.config).toMatchObject({ layers: 5, heads: 8, kvHeads: 4, headDim: 8 });
		expect(info.kvBytesPerToken).toEqual({ f32: 2 * 5 * 4 * 8 * 4, f16: 2 * 5 * 4 * 8 * 2 });
	});

	it.each([
		[['run', 'len=-4&bogus=1'], /"len" is "-4", which must be at least 16[\s\S]*"bogus" is not a parameter/],
		[['run', '{"len": '], /not valid JSON/],
		[['run', 'model=nope', '--models', 'tests/fixtures'], /tests\/fixtures\/nope/],
		[['run', '--grid', '[1]'], /--grid must be a JSON object/],
		[['frobnicate'], /unknown command 'frobnicate'/]
	])('fails clearly on %j', async (args, message) => {
		const failure = await cli(...args).then(
			() => null,
			(error) => error
		);
		expect(failure.code).toBe(2);
		expect(failure.stderr).toMatch(message);
	});
});

describe('longscope help and arguments', () => {
	it.each([[[]], [['run']], [['info']], [['notebook']], [['cost']]])('prints usage for %j --help and -h and exits 0', async (command) => {
		for (const flag of ['--help', '-h']) {
			const { code, stdout, stderr } = await inProcess(...command, flag);
			expect(code).toBe(0);
			expect(stdout).toContain(`Usage: longscope ${command.length ? `${command[0]} ` : ''}[options]`);
			expect(stderr).toBe('');
		}
	});

	it('prints usage on stderr and exits 2 when given nothing', async () => {
		const { code, stdout, stderr } = await inProcess();
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toMatch(/^Usage: longscope \[options\] \[command\]\n[\s\S]*\brun \[options\] \[experiment\]/);
	});

	it('names a --model-dir run by its directory', async () => {
		const { code, stdout } = await inProcess('run', 'len=128&seed=3', '--model-dir', 'tests/fixtures/tiny-gqa/', '--max-new-tokens', '2');
		expect(code).toBe(0);
		const result = JSON.parse(stdout);
		expect(result.experiment.model).toBe('tiny-gqa');
		expect(result.model.id).toBe('tiny-gqa');
		expect(result.tokens).toHaveLength(2);
	});

	it('runs a grid up to --max-runs and refuses one past it', async () => {
		const grid = ['run', '--grid', '{"seed":[1,2,3]}', 'model=tiny-gqa&len=128', '--models', 'tests/fixtures', '--max-new-tokens', '1'];
		const refused = await inProcess(...grid, '--max-runs', '2');
		expect(refused).toMatchObject({ code: 2, stdout: '' });
		expect(refused.stderr).toBe('error: --grid makes 3 runs, more than the limit of 2; pass --max-runs 3 to run them all.\n');
		const ran = await inProcess(...grid, '--max-runs', '3');
		expect(ran.code).toBe(0);
		expect(ran.stdout.trim().split('\n').map((line) => JSON.parse(line).experiment.seed)).toEqual([1, 2, 3]);
	});

	it('makes a grid\'s runs one at a time, so a million-run grid starts at once', () => {
		const values = Array.from({ length: 1000 }, (_, i) => i);
		const before = performance.now();
		const runs = gridExperiments(JSON.stringify({ seed: values, len: values.map((v) => v + 16) }), 'task=passkey', 10 ** 6);
		const [first, second] = runs;
		expect(performance.now() - before).toBeLessThan(10_000); // building 10^6 experiments took 100 s
		expect(Array.isArray(runs)).toBe(false);
		expect([first, second].map((e) => [e.seed, e.len, e.task.id])).toEqual([
			[0, 16, 'passkey'],
			[0, 17, 'passkey']
		]);
		expect(DEFAULT_MAX_RUNS).toBe(1000);
	});

	it('still reports an unexpected error with its stack and exit code 1', async () => {
		let stderr = '';
		const io = {
			out: () => {
				throw new TypeError('stdout broke');
			},
			err: (text: string) => void (stderr += text)
		};
		expect(await main(['cost', '--model', 'llama-3-8b', '--tokens', '10'], io)).toBe(1);
		expect(stderr).toMatch(/^TypeError: stdout broke\n\s+at /);
	});
});

describe('longscope cost', () => {
	it('prints the cost of a preset at scale', async () => {
		const { stdout } = await cli('cost', '--model', 'llama-3-8b', '--tokens', '131072', '--kv-dtype', 'fp16', '--hardware', 'h100');
		expect(stdout).toContain('resident KV          16.000 GiB');
		expect(stdout).toMatch(/per token\s+[\d.]+ ms \(memory-bound\)/);
	});

	it('reads a model directory and prints JSON', async () => {
		const { stdout } = await cli('cost', '--model', 'tests/fixtures/stories260k', '--tokens', '512', '--kv-dtype', 'fp32', '--hardware', 'm3-max', '--json');
		const report = JSON.parse(stdout);
		expect(report.residentKvBytes).toBe(2 * 5 * 4 * 8 * 512 * 4);
		expect(report.hardware).toBe('m3-max');
	});

	it('rejects unknown hardware', async () => {
		const failure = await cli('cost', '--model', 'llama-3-8b', '--tokens', '10', '--hardware', 'abacus').catch((e) => e);
		expect(failure.code).toBe(2);
		expect(failure.stderr).toMatch(/Unknown hardware "abacus" \(known: phone, laptop/);
	});
});
