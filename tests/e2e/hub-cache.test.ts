/**
 * The hub downloader in Chromium, on the lab's own (cross-origin isolated) page: a model comes
 * from the local hub server across origins (CORS, the redirect, a preflight for the token) into
 * Cache Storage with progress; a cancelled download leaves whole files only; the model is listed
 * with its size, opens with the server stopped, and is deleted. The downloader is bundled from
 * source for the page, as no route offers it yet.
 */
import { expect, test, type Page } from '@playwright/test';
import { build } from 'vite';
import { commitOf, fixtureRepo, smolFiles } from '../fixtures/hub-repos';
import { startHubServer } from '../helpers/hub-server';
import type { Hub } from './hub-page';

const SMOL = 'HuggingFaceTB/SmolLM2-135M';
const GATED = 'meta-llama/Llama-3.2-1B';
const files = smolFiles({ shards: 2 });
const commit = commitOf(files);

let bundle: string;

test.beforeAll(async () => {
	const output = await build({
		configFile: false,
		logLevel: 'silent',
		build: { write: false, lib: { entry: 'tests/e2e/hub-page.ts', formats: ['es'], fileName: 'hub' } }
	});
	const result = Array.isArray(output) ? output[0] : output;
	if (!('output' in result)) throw new Error('vite build gave no bundle');
	bundle = result.output[0].code;
});

async function openHub(page: Page) {
	await page.goto('/');
	await page.addScriptTag({ content: bundle, type: 'module' });
	await page.waitForFunction(() => 'hub' in window);
}

/** Runs `body` in the page with the bundled hub module and the hub server's endpoint. */
const inPage = <T>(page: Page, endpoint: string, body: (hub: Hub, endpoint: string) => Promise<T>) =>
	page.evaluate(([source, at]) => new Function('hub', 'endpoint', `return (${source})(hub, endpoint)`)((window as unknown as { hub: Hub }).hub, at) as Promise<T>, [body.toString(), endpoint] as const);

test('a hub model downloads into Cache Storage with progress, opens offline, and is deleted', async ({ page }) => {
	const hub = await startHubServer([fixtureRepo(SMOL, files)], { chunk: 4096 });
	await openHub(page);
	const first = await inPage(page, hub.endpoint, async ({ BrowserCache, HubClient, fetchHubModel, parseHubId }, endpoint) => {
		const cache = new BrowserCache();
		const ref = parseHubId('hf:HuggingFaceTB/SmolLM2-135M');
		const controller = new AbortController();
		const halfway = (p: { file: string; bytes: number; total: number }) => p.file.endsWith('.safetensors') && p.bytes > p.total / 2 && controller.abort();
		const cancelled = await fetchHubModel(ref, { client: new HubClient({ endpoint }), cache, signal: controller.signal, onProgress: halfway }).catch((e) => e.kind);
		const partial = await cache.models();
		const events: { file: string; bytes: number; total: number }[] = [];
		const model = await fetchHubModel(ref, { client: new HubClient({ endpoint }), cache, onProgress: (p) => events.push(p) });
		const weights = await model.weights();
		return { cancelled, partial, id: model.id, size: weights.size, last: events.at(-1), count: events.length, models: await cache.models(), isolated: crossOriginIsolated };
	});
	expect(first.isolated).toBe(true);
	// Cancelled halfway: whole files only, and the model not complete; the second download fetches the rest.
	expect(first.cancelled).toBe('cancelled');
	expect(first.partial).toMatchObject([{ repo: SMOL, commit, complete: false }]);
	for (const { name, size } of first.partial[0].files) expect(size).toBe(files[name].byteLength);
	const kept = first.partial[0].bytes;
	expect(first.id).toBe(`hf:${SMOL}@${commit}`);
	const total = Object.values(files).reduce((n, b) => n + b.byteLength, 0);
	expect(first.last).toMatchObject({ bytes: total - kept, total: total - kept });
	expect(first.count).toBeGreaterThan(1);
	expect(first.models).toEqual([{ repo: SMOL, commit, complete: true, bytes: total, files: expect.arrayContaining([{ name: 'model-00002-of-00002.safetensors', size: files['model-00002-of-00002.safetensors'].byteLength }]) }]);
	expect(first.size).toBeGreaterThan(files['model-00001-of-00002.safetensors'].byteLength);

	await hub.close();
	await page.reload();
	await openHub(page);
	const offline = await inPage(page, hub.endpoint, async ({ BrowserCache, HubClient, fetchHubModel, parseHubId }, endpoint) => {
		const cache = new BrowserCache();
		const model = await fetchHubModel(parseHubId('hf:HuggingFaceTB/SmolLM2-135M'), { client: new HubClient({ endpoint }), cache });
		const missing = await fetchHubModel(parseHubId('hf:HuggingFaceTB/SmolLM2-360M'), { client: new HubClient({ endpoint }), cache }).catch((e) => ({ kind: e.kind, message: e.message }));
		await cache.remove(model.repo, model.commit);
		return { id: model.id, config: model.config, missing, after: await cache.models(), ref: await cache.ref(model.repo, 'main') };
	});
	expect(offline.id).toBe(`hf:${SMOL}@${commit}`);
	expect(offline.config).toMatchObject({ model_type: 'llama' });
	// A browser cannot tell a refused connection from a CORS refusal; the message names both.
	expect(offline.missing).toEqual({ kind: 'cors', message: expect.stringMatching(/^Could not fetch http:\/\/127\.0\.0\.1:\d+\/api\/models\/HuggingFaceTB\/SmolLM2-360M\/revision\/main\?blobs=true: the network failed, or http:\/\/127\.0\.0\.1:\d+ does not let this page read it \(CORS\)/) });
	expect(offline.after).toEqual([]);
	expect(offline.ref).toBeNull();
});

test('a gated repo explains itself, and a server without CORS headers is named as such', async ({ page }) => {
	const hub = await startHubServer([fixtureRepo(GATED, smolFiles(), 'hf_token')]);
	const closed = await startHubServer([fixtureRepo(SMOL, files)], { cors: false });
	try {
		await openHub(page);
		const gated = await inPage(page, hub.endpoint, async ({ BrowserCache, HubClient, fetchHubModel, parseHubId }, endpoint) => {
			const attempt = (token?: string) => fetchHubModel(parseHubId('hf:meta-llama/Llama-3.2-1B'), { client: new HubClient({ endpoint, token }), cache: new BrowserCache('gated-test') });
			const refused = await attempt().catch((e) => ({ kind: e.kind, message: e.message }));
			const model = await attempt('hf_token');
			return { refused, id: model.id };
		});
		expect(gated.refused).toEqual({ kind: 'gated', message: `${GATED} is gated: accept its licence at ${hub.endpoint}/${GATED}, then give an access token (${hub.endpoint}/settings/tokens) (HTTP 401).` });
		expect(gated.id).toMatch(/^hf:meta-llama\/Llama-3\.2-1B@[0-9a-f]{40}$/);
		const cors = await inPage(page, closed.endpoint, async ({ BrowserCache, HubClient, fetchHubModel, parseHubId }, endpoint) =>
			fetchHubModel(parseHubId('hf:HuggingFaceTB/SmolLM2-135M'), { client: new HubClient({ endpoint }), cache: new BrowserCache('cors-test') }).catch((e) => e.kind)
		);
		expect(cors).toBe('cors');
	} finally {
		await Promise.all([hub.close(), closed.close()]);
	}
});
