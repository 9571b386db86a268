/**
 * A hub model runs end to end on the command line: `longscope run 'model=hf:…'` downloads it
 * through the local hub server into --cache-dir with a progress bar on stderr, writes the prompt
 * with the model's own tokenizer (tokenizer.json from the repo), names the run by the commit, and
 * runs again from the cache with the server stopped.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitOf, fixtureRepo, smolFiles, smolWithTokenizer } from '../fixtures/hub-repos';
import { lenmlTokenizer } from '../fixtures/hf-tokenizers';
import { startHubServer } from '../helpers/hub-server';
import { longscope } from '../helpers/longscope';

const SMOL = 'HuggingFaceTB/SmolLM2-135M';
const BARE = 'fixture-org/no-tokenizer';
const files = smolWithTokenizer();
const commit = commitOf(files);
const dirs: string[] = [];

afterAll(() => {
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A run's JSON without its timings, which differ from run to run. */
const withoutTimings = (stdout: string) => {
	const { timings, ...rest } = JSON.parse(stdout);
	expect(timings.prefillMs).toBeGreaterThan(0);
	return rest;
};

describe('a hub model on the command line', () => {
	it('downloads with a progress bar, runs with its own tokenizer under its pinned id, then runs offline from the cache', async () => {
		const hub = await startHubServer([fixtureRepo(SMOL, files), fixtureRepo(BARE, smolFiles())], { chunk: 64 * 1024 });
		const cacheDir = mkdtempSync(join(tmpdir(), 'longscope-run-'));
		dirs.push(cacheDir);
		const experiment = `model=hf:${SMOL}&task=passkey&len=512&depth=0.25&seed=3`;
		const pinned = `hf:${SMOL}@${commit}`;

		const online = await longscope(hub.endpoint, 'run', experiment, '--cache-dir', cacheDir, '--max-new-tokens', '4');
		expect(online.code, online.stderr).toBe(0);
		expect(online.stderr).toMatch(/\rmodel\.safetensors  100% \d+\.\d MiB \/ \d+\.\d MiB.*\n$/s);
		const result = JSON.parse(online.stdout);
		expect(result.model.id).toBe(pinned);
		expect(result.experiment.model).toBe(pinned);
		// The prompt is written in GPT-2's tokens (no BOS), 512 of them, not in bytes.
		const tokenizer = lenmlTokenizer('gpt2');
		expect(result.promptTokens).toBe(512);
		expect(result.promptIds).toEqual(tokenizer.encode(result.prompt));
		expect(result.prompt.length).toBeGreaterThan(1500);
		expect(result.tokens).toHaveLength(4);
		expect(result.output).toBe(tokenizer.decode(result.tokens));

		const failed = await longscope(hub.endpoint, 'run', `model=hf:${BARE}&task=passkey&len=256`, '--cache-dir', cacheDir);
		expect(failed.code).toBe(2);
		expect(failed.stderr.split('\n').at(-2)).toBe(`error: Model "hf:${BARE}@${commitOf(smolFiles())}" has no tokenizer the lab can use (no tokenizer.json), so its prompts cannot be written.`);
		await hub.close();

		// Server stopped: the pinned id needs no network, the branch resolves through the cache's ref.
		for (const model of [pinned, `hf:${SMOL}`]) {
			const offline = await longscope(hub.endpoint, 'run', experiment.replace(`hf:${SMOL}`, model), '--cache-dir', cacheDir, '--max-new-tokens', '4');
			expect(offline.code, offline.stderr).toBe(0);
			expect(offline.stderr).toBe('');
			expect(withoutTimings(offline.stdout)).toEqual(withoutTimings(online.stdout));
		}
		const absent = await longscope(hub.endpoint, 'run', 'model=hf:HuggingFaceTB/SmolLM2-360M&task=passkey', '--cache-dir', cacheDir);
		expect(absent.code).toBe(2);
		expect(absent.stderr).toMatch(/^error: Could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): you may be offline/);
	});

	it("writes a model directory's prompts with its tokenizer.json", async () => {
		const dir = join(mkdtempSync(join(tmpdir(), 'longscope-dir-')), 'smol-tokenized');
		dirs.push(dir);
		mkdirSync(dir);
		for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
		const run = await longscope('http://127.0.0.1:9', 'run', 'task=passkey&len=300&seed=4', '--model-dir', dir, '--max-new-tokens', '2');
		expect(run.code, run.stderr).toBe(0);
		const result = JSON.parse(run.stdout);
		expect(result.model.id).toBe('smol-tokenized');
		expect(result.promptTokens).toBe(300);
		expect(result.promptIds).toEqual(lenmlTokenizer('gpt2').encode(result.prompt));
	});

	it('refuses a malformed hub id in the experiment with the codec\'s message, before any download', async () => {
		const bad = await longscope('http://127.0.0.1:9', 'run', 'model=hf:SmolLM2-135M&task=passkey');
		expect(bad).toEqual({
			code: 2,
			stdout: '',
			stderr: `error: "model" is "hf:SmolLM2-135M", which is not a hub model id: it needs an organisation and a name, "<org>/<name>" (e.g. hf:HuggingFaceTB/SmolLM2-135M or hf:HuggingFaceTB/SmolLM2-135M@main); using the default, lab-rope.\n`
		});
	});
});
