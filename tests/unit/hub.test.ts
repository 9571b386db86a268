/**
 * The hub downloader in Node against the local hub server: ids, resolving a revision to a commit,
 * progress, cancel, sharded checkpoints, the disk cache (offline after one download), and each
 * failure's message. The browser cache is the same interface over Cache Storage.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/lib/engine/engine';
import { memorySource, parseSafetensors } from '../../src/lib/engine/safetensors';
import { HubClient } from '../../src/lib/hub/client';
import { HubError } from '../../src/lib/hub/errors';
import { fetchHubModel } from '../../src/lib/hub/model';
import { formatHubId, parseHubId, type HubRef } from '../../src/lib/hub/model-id';
import { ProgressMeter, progressLine, type DownloadProgress } from '../../src/lib/hub/progress';
import { joinShards } from '../../src/lib/hub/shards';
import { DiskCache, defaultCacheDir } from '../../src/cli/disk-cache';
import { hubEngine } from '../../src/cli/hub';
import { commitOf, fixtureRepo, smolFiles } from '../fixtures/hub-repos';
import { startHubServer, type HubServer } from '../helpers/hub-server';
import { longscope } from '../helpers/longscope';

const TOKEN = 'hf_testTOKENthatMustNeverLeak0123456789';
const SMOL = 'HuggingFaceTB/SmolLM2-135M';
const SHARDED = 'fixture-org/SmolLM2-sharded';
const GATED = 'meta-llama/Llama-3.2-1B';
const NO_WEIGHTS = 'fixture-org/config-only';
const MISMATCHED = 'fixture-org/wrong-config';

const single = smolFiles();
const sharded = smolFiles({ shards: 3 });
const commit = commitOf(single);
const shardedCommit = commitOf(sharded);
/** SmolLM2's weights (3 layers) with a config.json that names 2. */
const mismatched = { ...single, 'config.json': new TextEncoder().encode(new TextDecoder().decode(single['config.json']).replace('"num_hidden_layers": 3', '"num_hidden_layers": 2')) };

let server: HubServer;
const dirs: string[] = [];
const freshCache = () => {
	const dir = mkdtempSync(join(tmpdir(), 'longscope-hub-'));
	dirs.push(dir);
	return new DiskCache(dir);
};
const client = (token?: string) => new HubClient({ endpoint: server.endpoint, token });
const hubRef = (id: string): HubRef => parseHubId(id);

/** The HubError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<HubError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(HubError);
	return error as HubError;
}

beforeAll(async () => {
	server = await startHubServer([
		fixtureRepo(SMOL, single),
		fixtureRepo(SHARDED, sharded),
		fixtureRepo(GATED, smolFiles({ seed: 2 }), TOKEN),
		fixtureRepo(MISMATCHED, mismatched),
		fixtureRepo(NO_WEIGHTS, { 'config.json': single['config.json'], 'pytorch_model.bin': new Uint8Array(8) })
	]);
});
afterEach(() => {
	server.requests.length = 0;
	server.options.chunk = undefined;
	server.options.pauseMs = undefined;
	server.options.corrupt = undefined;
});
afterAll(async () => {
	await server.close();
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('hub model ids', () => {
	it('parse into repo and revision, and format back to the same text', () => {
		for (const [id, ref] of [
			[`hf:${SMOL}`, { repo: SMOL }],
			[`hf:${SMOL}@main`, { repo: SMOL, revision: 'main' }],
			[`hf:${SMOL}@${commit}`, { repo: SMOL, revision: commit }],
			['hf:Qwen/Qwen2.5-0.5B-Instruct@refs/pr/1', { repo: 'Qwen/Qwen2.5-0.5B-Instruct', revision: 'refs/pr/1' }],
			['hf:google/gemma-3-270m@v1.0', { repo: 'google/gemma-3-270m', revision: 'v1.0' }]
		] as const) {
			expect(parseHubId(id)).toEqual(ref);
			expect(formatHubId(ref)).toBe(id);
		}
	});

	it('refuse malformed ids, saying what is wrong', () => {
		const reasons: [string, RegExp][] = [
			['HuggingFaceTB/SmolLM2-135M', /must start with "hf:"/],
			['hf:gpt2', /an organisation and a name/],
			['hf:a/b/c', /one "\/"/],
			['hf:/SmolLM2', /organisation must be/],
			['hf:org/', /name must be/],
			['hf:org/-name', /name must be/],
			['hf:org/na me', /name must be/],
			['hf:org/a--b', /may not contain "--" or "\.\."/],
			['hf:org/a..b', /may not contain/],
			['hf:org/name.git', /may not end in "\.git"/],
			[`hf:org/${'x'.repeat(97)}`, /1 to 96/],
			['hf:org/name@', /revision after "@"/],
			['hf:org/name@../../etc', /revision after "@"/],
			['hf:org/name@main@x', /revision after "@"/],
			['hf:org/name@a//b', /revision after "@"/],
			['hf:org/name@\u202Emain', /revision after "@"/]
		];
		for (const [id, reason] of reasons) {
			let error: unknown;
			try {
				parseHubId(id);
			} catch (e) {
				error = e;
			}
			expect(error, id).toBeInstanceOf(HubError);
			expect((error as HubError).kind).toBe('invalid-id');
			expect((error as HubError).message, id).toMatch(reason);
			expect((error as HubError).message).toMatch(/e\.g\. hf:HuggingFaceTB\/SmolLM2-135M/);
		}
	});
});

describe('downloading from the hub', () => {
	it('resolves a branch to its commit, names the model by it, and downloads what a model needs', async () => {
		const cache = freshCache();
		const model = await fetchHubModel(hubRef(`hf:${SMOL}`), { client: client(), cache });
		expect(model.commit).toBe(commit);
		expect(model.id).toBe(`hf:${SMOL}@${commit}`);
		expect(model.config).toMatchObject({ model_type: 'llama', rope_theta: 100000 });
		expect(await model.text('generation_config.json')).toContain('"bos_token_id": 0');
		expect(await model.text('tokenizer.json')).toBeNull();
		const weights = await model.weights();
		expect(weights.size).toBe(single['model.safetensors'].byteLength);
		expect(weights.read(0, weights.size)).toEqual(single['model.safetensors']);
		weights.close();
		expect(await cache.ref(SMOL, 'main')).toBe(commit);
		// The revision API first, then the weights' header by two range requests before the download.
		const paths = server.requests.map((r) => `${r.method} ${r.path}${r.range ? ` ${r.range}` : ''}`);
		expect(paths[0]).toBe(`GET /api/models/${SMOL}/revision/main`);
		expect(paths).toContain(`GET /${SMOL}/resolve/${commit}/model.safetensors bytes=0-7`);
		expect(server.requests.filter((r) => r.path.endsWith('.safetensors') && !r.range)).toHaveLength(1);
	});

	it('follows the redirect to the CDN, as the hub sends LFS files', async () => {
		await fetchHubModel(hubRef(`hf:${SMOL}@${commit}`), { client: client(), cache: freshCache() });
		const resolve = server.requests.findIndex((r) => r.path === `/${SMOL}/resolve/${commit}/model.safetensors` && !r.range);
		expect(server.requests[resolve + 1].path).toMatch(/^\/cdn\/[0-9a-f]{64}$/);
		expect(server.requests[resolve + 1].range).toBeNull();
	});

	it('reports progress: bytes rising to the total, a rate, and the time left', async () => {
		server.options.chunk = 8192;
		const events: DownloadProgress[] = [];
		await fetchHubModel(hubRef(`hf:${SMOL}`), { client: client(), cache: freshCache(), onProgress: (p) => events.push(p) });
		const total = Object.values(single).reduce((n, bytes) => n + bytes.byteLength, 0);
		expect(events.length).toBeGreaterThan(single['model.safetensors'].byteLength / 8192);
		expect(events.at(-1)).toMatchObject({ file: 'model.safetensors', bytes: total, total, eta: 0 });
		expect(events.map((e) => e.bytes)).toEqual([...events.map((e) => e.bytes)].sort((a, b) => a - b));
		expect(new Set(events.map((e) => e.file))).toEqual(new Set(['config.json', 'generation_config.json', 'model.safetensors']));
		expect(events.some((e) => e.rate > 0 && e.eta !== null && e.eta > 0)).toBe(true);
	});

	it('cancels midway, keeps no partial file, and the next download fetches only what is missing', async () => {
		server.options.chunk = 4096;
		server.options.pauseMs = 2;
		const cache = freshCache();
		const controller = new AbortController();
		const onProgress = (p: DownloadProgress) => {
			if (p.file === 'model.safetensors' && p.bytes > p.total / 2) controller.abort();
		};
		const error = await failure(fetchHubModel(hubRef(`hf:${SMOL}`), { client: client(), cache, signal: controller.signal, onProgress }));
		expect(error.kind).toBe('cancelled');
		expect(error.message).toBe(`The download of ${SMOL} was cancelled.`);
		const [partial] = await cache.models();
		expect(partial).toMatchObject({ repo: SMOL, commit, complete: false });
		expect(partial.files.map((f) => f.name)).toEqual(['config.json', 'generation_config.json']);
		expect(readdirSync(join(cache.root, 'models--HuggingFaceTB--SmolLM2-135M', 'blobs'))).toEqual([]);

		server.requests.length = 0;
		const model = await fetchHubModel(hubRef(`hf:${SMOL}`), { client: client(), cache });
		expect(model.commit).toBe(commit);
		const fetched = server.requests.filter((r) => r.path.includes('/resolve/') && !r.range).map((r) => r.path.split('/').pop());
		expect(fetched).toEqual(['model.safetensors']);
	});

	it('reassembles a sharded checkpoint into the same tensors, which the engine loads', async () => {
		const model = await fetchHubModel(hubRef(`hf:${SHARDED}`), { client: client(), cache: freshCache() });
		expect(model.id).toBe(`hf:${SHARDED}@${shardedCommit}`);
		const weights = await model.weights();
		const joined = parseSafetensors(weights);
		const whole = parseSafetensors(single['model.safetensors']);
		expect([...joined.tensors.keys()].sort()).toEqual([...whole.tensors.keys()].sort());
		for (const name of whole.tensors.keys()) expect(joined.read(name)).toEqual(whole.read(name));

		const a = await Engine.load(model.config, weights);
		const b = await Engine.load(JSON.parse(new TextDecoder().decode(single['config.json'])), single['model.safetensors']);
		weights.close();
		const ids = [1, 5, 9, 2, 7];
		expect(await a.sequence().prefill(ids)).toEqual(await b.sequence().prefill(ids));
		await Promise.all([a.release(), b.release()]);
	});

	it('opens a downloaded model from the cache with the server stopped', async () => {
		const offline = await startHubServer([fixtureRepo(SMOL, single), fixtureRepo(SHARDED, sharded)]);
		const cache = freshCache();
		const through = new HubClient({ endpoint: offline.endpoint });
		await fetchHubModel(hubRef(`hf:${SMOL}`), { client: through, cache });
		await fetchHubModel(hubRef(`hf:${SHARDED}@main`), { client: through, cache });
		await offline.close();

		for (const id of [`hf:${SMOL}`, `hf:${SMOL}@${commit}`, `hf:${SHARDED}@main`]) {
			const model = await fetchHubModel(hubRef(id), { client: through, cache });
			const weights = await model.weights();
			expect(parseSafetensors(weights).tensors.size).toBe(parseSafetensors(single['model.safetensors']).tensors.size);
			weights.close();
		}
		const error = await failure(fetchHubModel(hubRef('hf:HuggingFaceTB/SmolLM2-360M'), { client: through, cache }));
		expect(error.kind).toBe('offline');
		expect(error.message).toMatch(/Could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): you may be offline .* HuggingFaceTB\/SmolLM2-360M is not in the cache/);
	});

	it('lists cached models with their sizes, and deletes one with its refs', async () => {
		const cache = freshCache();
		await fetchHubModel(hubRef(`hf:${SMOL}`), { client: client(), cache });
		await fetchHubModel(hubRef(`hf:${SHARDED}`), { client: client(), cache });
		const listed = await cache.models();
		expect(listed.map((m) => [m.repo, m.commit, m.complete])).toEqual([
			[SMOL, commit, true],
			[SHARDED, shardedCommit, true]
		]);
		const size = (files: Record<string, Uint8Array>) => Object.values(files).reduce((n, b) => n + b.byteLength, 0);
		expect(listed.map((m) => m.bytes)).toEqual([size(single), size(sharded)]);
		expect(listed[1].files.map((f) => f.name)).toEqual(Object.keys(sharded).sort());

		await cache.remove(SMOL, commit);
		expect((await cache.models()).map((m) => m.repo)).toEqual([SHARDED]);
		expect(await cache.ref(SMOL, 'main')).toBeNull();
		expect(readdirSync(cache.root)).toEqual(['models--fixture-org--SmolLM2-sharded']);
	});

	it('keeps the cache in huggingface_hub\'s layout, so each can read the other\'s downloads', async () => {
		const cache = freshCache();
		await fetchHubModel(hubRef(`hf:${SMOL}`), { client: client(), cache });
		const repoDir = join(cache.root, 'models--HuggingFaceTB--SmolLM2-135M');
		expect(readdirSync(join(repoDir, 'snapshots', commit)).sort()).toEqual(Object.keys(single).sort());
		expect(readdirSync(join(repoDir, 'refs'))).toEqual(['main']);
	});

	it('checks the weights\' size against memory from their header, before downloading them', async () => {
		const error = await failure(fetchHubModel(hubRef(`hf:${SMOL}`), { client: client(), cache: freshCache(), maxWeightBytes: 100_000 }));
		expect(error.kind).toBe('too-large');
		expect(error.message).toBe(`hf:${SMOL}@${commit} needs 106.9 KiB of memory for its weights (as f32), more than the 97.7 KiB this runtime can hold; pick a smaller model.`);
		expect(server.requests.filter((r) => r.path.includes('/cdn/') && !r.range)).toEqual([]);
	});

	it('checks the space left before downloading', async () => {
		const cache = freshCache();
		cache.available = async () => 1000;
		const error = await failure(fetchHubModel(hubRef(`hf:${SMOL}`), { client: client(), cache }));
		expect(error.kind).toBe('quota');
		expect(error.message).toMatch(/^There is not enough storage for hf:HuggingFaceTB\/SmolLM2-135M@[0-9a-f]{40}, which needs 5\d\.\d KiB more \(1000 B free\): delete cached models/);
		expect(await cache.models()).toEqual([]);
	});

	it('refuses a file whose bytes differ from the hub\'s SHA-256', async () => {
		server.options.corrupt = 'model.safetensors';
		const cache = freshCache();
		const error = await failure(fetchHubModel(hubRef(`hf:${SMOL}`), { client: client(), cache }));
		expect(error.kind).toBe('corrupt');
		expect(error.message).toMatch(/model\.safetensors of hf:HuggingFaceTB\/SmolLM2-135M@[0-9a-f]{40} arrived damaged/);
		expect((await cache.models())[0].complete).toBe(false);
	});
});

describe('hub failures', () => {
	it('refuses weights that do not match their config from the header, before downloading them', async () => {
		const error = await failure(fetchHubModel(hubRef(`hf:${MISMATCHED}`), { client: client(), cache: freshCache() }));
		expect(error.kind).toBe('not-a-model');
		expect(error.message).toBe(`hf:${MISMATCHED}@${commitOf(mismatched)}: model.safetensors holds 3 layers, but config.json names 2 (num_hidden_layers); use the config that came with these weights.`);
		expect(server.requests.filter((r) => r.path.includes('/cdn/') && !r.range)).toEqual([]);
	});


	it('explains a gated repo without a token: where to accept the licence', async () => {
		const error = await failure(fetchHubModel(hubRef(`hf:${GATED}`), { client: client(), cache: freshCache() }));
		expect(error.kind).toBe('gated');
		expect(error.message).toBe(`${GATED} is gated: accept its licence at ${server.endpoint}/${GATED}, then give an access token (${server.endpoint}/settings/tokens) (HTTP 401).`);
	});

	it('downloads a gated repo with its token, sent only as a header, and says so when a token may not read it', async () => {
		const model = await fetchHubModel(hubRef(`hf:${GATED}`), { client: client(TOKEN), cache: freshCache() });
		expect(model.id).toMatch(/^hf:meta-llama\/Llama-3\.2-1B@[0-9a-f]{40}$/);
		expect(server.requests.filter((r) => r.path.startsWith(`/${GATED}/resolve/`)).every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
		const error = await failure(fetchHubModel(hubRef(`hf:${GATED}`), { client: client('hf_another'), cache: freshCache() }));
		expect(error.message).toBe(`${GATED} is gated and this access token may not read it: accept the licence at ${server.endpoint}/${GATED} with the account the token belongs to (HTTP 403).`);
	});

	it('never shows the token in a URL, a message, a progress event or a log line', async () => {
		const logged: unknown[] = [];
		for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, method).mockImplementation((...args) => void logged.push(args));
		try {
			const seen: unknown[] = [];
			const options = { cache: freshCache(), onProgress: (p: DownloadProgress) => void seen.push(p) };
			const withToken = client(TOKEN);
			seen.push(withToken, String(withToken), JSON.stringify(withToken));
			for (const id of [`hf:${GATED}`, 'hf:nobody/nothing', `hf:${SMOL}@no-such-branch`, `hf:${NO_WEIGHTS}`]) {
				await fetchHubModel(hubRef(id), { ...options, client: withToken }).catch((error: Error) => seen.push(error.message, error.stack));
			}
			const dead = new HubClient({ endpoint: 'http://127.0.0.1:1', token: TOKEN });
			await fetchHubModel(hubRef(`hf:${SMOL}`), { ...options, client: dead }).catch((error: Error) => seen.push(error.message, error.stack));
			const { inspect } = await import('node:util');
			const text = [...seen, ...logged].map((item) => (typeof item === 'string' ? item : inspect(item, { depth: 5, showHidden: true }))).join('\n');
			expect(text).not.toContain(TOKEN);
			expect(server.requests.some((r) => r.path.includes(TOKEN))).toBe(false);
			expect(server.requests.some((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
		} finally {
			vi.restoreAllMocks();
		}
	});

	it('says when the connection drops midway, and keeps the files already whole', async () => {
		server.options.chunk = 4096;
		server.options.pauseMs = 5;
		const cache = freshCache();
		const onProgress = (p: DownloadProgress) => p.file === 'model.safetensors' && server.drop();
		const error = await failure(fetchHubModel(hubRef(`hf:${SMOL}`), { client: client(), cache, onProgress }));
		expect(error.kind).toBe('offline');
		expect(error.message).toMatch(new RegExp(`^The connection to ${server.endpoint} dropped while downloading model\\.safetensors of ${SMOL} \\(\\d+\\.\\d KiB received\\); try again: the files already downloaded are kept\\.$`));
		expect((await cache.models())[0].files.map((f) => f.name)).toEqual(['config.json', 'generation_config.json']);
	});

	it('tells a missing repo, revision and file apart', async () => {
		const cases: [string, HubClient, string][] = [
			['hf:nobody/nothing', client(), `nobody/nothing was not found on ${server.endpoint}: check the id; a private repo also needs an access token that can read it.`],
			['hf:nobody/nothing', client(TOKEN), `nobody/nothing was not found on ${server.endpoint}: check the id.`],
			[`hf:${SMOL}@v9`, client(), `${SMOL} has no revision "v9" (a branch, tag or commit); see ${server.endpoint}/${SMOL}/tree/main.`],
			[`hf:${SMOL}@${'0'.repeat(40)}`, client(), `${SMOL} has no revision "${'0'.repeat(40)}" (a branch, tag or commit); see ${server.endpoint}/${SMOL}/tree/main.`],
			[`hf:${NO_WEIGHTS}`, client(), `hf:${NO_WEIGHTS}@${commitOf({ 'config.json': single['config.json'], 'pytorch_model.bin': new Uint8Array(8) })} has no model.safetensors or model.safetensors.index.json (it has PyTorch .bin weights only; the lab reads safetensors), so it is not a model this lab can load.`]
		];
		for (const [id, through, message] of cases) {
			const error = await failure(fetchHubModel(hubRef(id), { client: through, cache: freshCache() }));
			expect(error.message).toBe(message);
			expect(error.kind).toBe(message.includes('safetensors') ? 'not-a-model' : 'not-found');
		}
		const error = await failure(client().file(SMOL, commit, 'tokenizer.json'));
		expect(error.message).toBe(`${SMOL} at ${commit} has no file tokenizer.json.`);
	});
});

describe('hub parts', () => {
	it('joins shards into one safetensors file, reads spanning shards included', () => {
		const files = smolFiles({ shards: 2 });
		const index = JSON.parse(new TextDecoder().decode(files['model.safetensors.index.json']));
		const weightMap = new Map<string, string>(Object.entries(index.weight_map));
		const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
		const joined = joinShards(names.map((name) => ({ name, source: memorySource(files[name]) })), weightMap, 'test');
		const all = joined.read(0, joined.size);
		expect(joined.size).toBe(all.byteLength);
		expect(joined.read(100, joined.size - 200)).toEqual(all.subarray(100, joined.size - 100));

		weightMap.set('model.layers.0.mlp.up_proj.weight', names[1]);
		expect(() => joinShards(names.map((name) => ({ name, source: memorySource(files[name]) })), weightMap, 'test')).toThrow(
			'test: model-00001-of-00002.safetensors holds tensor "model.layers.0.mlp.up_proj.weight", which model.safetensors.index.json puts in model-00002-of-00002.safetensors; the sharded checkpoint cannot be loaded.'
		);
	});

	it('measures the rate over the last five seconds and the time left at it', () => {
		let t = 0;
		const meter = new ProgressMeter(1000, () => t);
		t = 1000;
		expect(meter.advance('f', 100)).toEqual({ file: 'f', bytes: 100, total: 1000, rate: 100, eta: 9 });
		t = 6000;
		// The newest sample at least 5 s old (1 s) starts the window.
		expect(meter.advance('f', 400)).toEqual({ file: 'f', bytes: 500, total: 1000, rate: 80, eta: 6.25 });
		t = 7000;
		expect(meter.advance('f', 100).rate).toBe(500 / 6);
		t = 12_000;
		expect(meter.advance('f', 0)).toMatchObject({ rate: 0, eta: null });
		expect(new ProgressMeter(10, () => 0).advance('f', 10)).toMatchObject({ rate: 0, eta: 0 });
	});

	it('finds the default disk cache under XDG_CACHE_HOME or ~/.cache', () => {
		expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/longscope');
		expect(defaultCacheDir({ HOME: '/h' })).toMatch(/\/\.cache\/longscope$/);
	});

	it('takes the endpoint without a trailing slash and refuses one that is not http(s)', () => {
		expect(new HubClient({ endpoint: 'https://hf-mirror.com/' }).fileUrl(SMOL, 'refs/pr/1', 'onnx/model.onnx')).toBe('https://hf-mirror.com/HuggingFaceTB/SmolLM2-135M/resolve/refs%2Fpr%2F1/onnx/model.onnx');
		expect(() => new HubClient({ endpoint: 'file:///etc' })).toThrow('The hub endpoint must be an http(s) address');
		expect(() => new HubClient().fileUrl(SMOL, 'main', '../../secret')).toThrow(/is not a plain relative path/);
	});
});

describe('hub models on the command line', () => {
	it('draws a progress line: file, percent, bytes, rate and time left', () => {
		expect(progressLine({ file: 'model.safetensors', bytes: 113 * 2 ** 20, total: 270 * 2 ** 20, rate: 12.3 * 2 ** 20, eta: 72 })).toBe('model.safetensors   41% 113.0 MiB / 270.0 MiB  12.3 MiB/s  1:12 left');
		expect(progressLine({ file: 'config.json', bytes: 700, total: 0, rate: 0, eta: null })).toBe('config.json   700 B / 0 B');
	});

	it('downloads by id into --cache-dir with a progress bar on stderr, then works offline', async () => {
		const hub = await startHubServer([fixtureRepo(SMOL, single)], { chunk: 8192 });
		const dir = freshCache().root;
		const first = await longscope(hub.endpoint, 'download', `hf:${SMOL}`, '--cache-dir', dir);
		expect(first).toMatchObject({ code: 0, stdout: `hf:${SMOL}@${commit}\n` });
		expect(first.stderr).toMatch(/^\r.*\rmodel\.safetensors  100% 5\d\.\d KiB \/ 5\d\.\d KiB  .*0:00 left\n$/s);
		await hub.close();

		const again = await longscope(hub.endpoint, 'download', `hf:${SMOL}`, '--cache-dir', dir);
		expect(again).toEqual({ code: 0, stdout: `hf:${SMOL}@${commit}\n`, stderr: '' });
		const absent = await longscope(hub.endpoint, 'download', 'hf:HuggingFaceTB/SmolLM2-360M', '--cache-dir', dir);
		expect(absent.code).toBe(2);
		expect(absent.stderr).toMatch(/^error: Could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): you may be offline/);
		const malformed = await longscope(hub.endpoint, 'download', 'hf:SmolLM2', '--cache-dir', dir);
		expect(malformed).toMatchObject({ code: 2, stderr: 'error: "hf:SmolLM2" is not a hub model id: it needs an organisation and a name, "<org>/<name>" (e.g. hf:HuggingFaceTB/SmolLM2-135M or hf:HuggingFaceTB/SmolLM2-135M@main).\n' });
	});

	it('loads a hub model for a run: the engine from the cache and the id pinned to the commit', async () => {
		const dir = freshCache().root;
		let stderr = '';
		const { engine, model } = await hubEngine(`hf:${SHARDED}`, { cacheDir: dir }, (text) => void (stderr += text), { HF_ENDPOINT: server.endpoint });
		expect(model).toBe(`hf:${SHARDED}@${shardedCommit}`);
		expect(engine.config).toMatchObject({ modelType: 'llama', layers: 3, tieWordEmbeddings: true, ropeTheta: 100000 });
		expect(stderr).toContain('model-00003-of-00003.safetensors');
		await engine.release();
	});
});
