/**
 * A hub model in the lab, end to end against the local hub server: the user points the picker at
 * the hub, picks SmolLM2-135M (a random-weight model of its shape with GPT-2's real byte-level BPE
 * tokenizer), watches the download, and runs passkey at 1 024 tokens with every view; the link
 * names the model pinned to its commit. With the server stopped, a reload runs from the browser's
 * cache; then the model is deleted. Screenshots at 1280×800 are kept as artifacts.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { commitOf, fixtureRepo, smolFiles, smolWithTokenizer } from '../fixtures/hub-repos';
import { startHubServer } from '../helpers/hub-server';
import { watchErrors } from './console';

const SMOL = 'HuggingFaceTB/SmolLM2-135M';
const GATED = 'meta-llama/Llama-3.2-1B';
const files = smolWithTokenizer();
const pinned = `hf:${SMOL}@${commitOf(files)}`;
const VIEWS = ['heatmap', 'head-grid', 'retrieval-panel', 'run-grid', 'kv-chart', 'latency'];

/** The 1280×800 viewport with `testId` at its top. */
async function shoot(page: Page, info: TestInfo, name: string, testId: string) {
	await page.getByTestId(testId).evaluate((element) => element.scrollIntoView({ block: 'start' }));
	const path = info.outputPath(name);
	await page.screenshot({ path });
	await info.attach(name, { path, contentType: 'image/png' });
}

/** Runs what the page shows, unless it is already running those settings by itself. */
async function runUnlessRunning(page: Page) {
	const run = page.getByTestId('run');
	if (await run.isEnabled()) await run.click();
}

async function runAndSeeEveryView(page: Page) {
	await page.getByTestId('run').click();
	await expect(page.getByTestId('run-summary')).toBeVisible();
	await expect(page.getByTestId('summary-prompt-tokens')).toContainText('1024');
	for (const view of VIEWS) await expect(page.getByTestId(view)).toBeVisible();
}

test('a hub model: picked, downloaded with progress, run with every view, run again offline from the cache, deleted', async ({ page }, info) => {
	const errors = watchErrors(page);
	// Slow enough that the progress shows: about 4 MiB in 16 KiB pieces, 10 ms apart.
	const hub = await startHubServer([fixtureRepo(SMOL, files)], { chunk: 16 * 1024, pauseMs: 10 });
	await page.setViewportSize({ width: 1280, height: 800 });
	try {
		await page.goto('/lab?task=passkey&len=1024&seed=2');
		await expect(page.getByTestId('lab-model')).toContainText('lab-rope');
		await page.getByText('Models from Hugging Face').click();
		const endpoint = page.getByTestId('hub-endpoint');
		await endpoint.fill(hub.endpoint);
		await endpoint.blur();
		await expect(page.getByTestId('hub-cached-none')).toBeVisible();
		await shoot(page, info, 'hub-picker-1280x800.png', 'hub-picker');

		await page.getByTestId(`hub-load-${SMOL}`).click();
		await expect(page.getByTestId('hub-progress')).toContainText(/model\.safetensors +\d+% [\d.]+ (KiB|MiB) \/ [\d.]+ MiB/);
		await shoot(page, info, 'hub-download-1280x800.png', 'hub-progress');
		await expect(page.getByTestId('lab-model')).toContainText(pinned);
		await expect(page).toHaveURL(new RegExp(`[?&]model=${pinned.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}&`));
		await expect(page.getByTestId(`hub-row-${SMOL}`).getByTestId('hub-cached-mark')).toBeVisible();
		await expect(page.getByTestId('hub-cached')).toContainText(/HuggingFaceTB\/SmolLM2-135M@[0-9a-f]{8} [\d.]+ MiB/);
		await shoot(page, info, 'hub-loaded-1280x800.png', 'lab-model');
		await shoot(page, info, 'hub-cached-1280x800.png', 'hub-cached');
		await runAndSeeEveryView(page);
		await shoot(page, info, 'hub-run-1280x800.png', 'run-summary');
		await shoot(page, info, 'hub-heatmap-1280x800.png', 'heatmap');

		// A/B on the hub model: B keeps sinks and a window; the shared link brings both back.
		await page.getByTestId('compare').check();
		await page.locator('#b-slot-attn').selectOption('sink-window');
		await expect(page).toHaveURL(/&b\.attn=sink-window/);
		await runUnlessRunning(page);
		const table = page.getByTestId('ab-difference');
		const rows = ['Answer correct', 'Attention computed'];
		for (const row of rows) await expect(table.getByRole('row', { name: new RegExp(row) })).toBeVisible();
		// B's own result, not the copy of A shown before B changed: sinks + window compute less.
		await expect(table.getByRole('row', { name: /Attention computed/ }).locator('td').nth(1)).not.toHaveText('100.0 %');
		await expect(page.getByTestId('stale')).toHaveCount(0);
		await expect(page.getByTestId('heatmap')).toHaveCount(2);
		const shown = await Promise.all(rows.map((row) => table.getByRole('row', { name: new RegExp(row) }).locator('td').allInnerTexts()));
		const shared = await page.context().newPage();
		await shared.goto(page.url());
		await expect(shared.getByTestId('lab-model')).toContainText(pinned);
		for (const [i, row] of rows.entries()) await expect(shared.getByTestId('ab-difference').getByRole('row', { name: new RegExp(row) }).locator('td')).toHaveText(shown[i]);
		await shared.close();
		await page.getByTestId('compare').uncheck();

		await hub.close();
		// Another seed, so the run is computed again rather than read from the result cache.
		await page.goto(page.url().replace('seed=2', 'seed=3'));
		await expect(page.getByTestId('lab-model')).toContainText(pinned);
		// Whether the link ran by itself or waits for Run, its result is computed, not read from the result cache.
		await runAndSeeEveryView(page);
		await expect(page.getByTestId('from-cache')).toHaveCount(0);

		await page.getByText('Models from Hugging Face').click();
		await page.getByTestId('hub-delete').click();
		await expect(page.getByTestId('hub-cached-none')).toBeVisible();
		await expect(page.getByTestId('hub-cached-mark')).toHaveCount(0);
		expect(errors).toEqual([]);
	} finally {
		await hub.close();
	}
});

test('a link to a hub model not downloaded here asks first; a missing, malformed or gated repo is explained, and a token opens the gated one', async ({ page }) => {
	const token = 'hf_e2eTokenNeverInALink';
	const hub = await startHubServer([fixtureRepo(SMOL, files), fixtureRepo(GATED, smolFiles({ seed: 3 }), token)]);
	try {
		await page.goto(`/lab?model=${pinned}&task=passkey&len=256`);
		await expect(page.getByTestId('hub-wanted')).toContainText(`This link runs on ${pinned}, which this browser has not downloaded.`);
		expect(hub.requests).toEqual([]);
		await page.getByText('Models from Hugging Face').click();
		await page.getByTestId('hub-endpoint').fill(hub.endpoint);
		await page.getByTestId('hub-endpoint').blur();

		const load = async (repo: string) => {
			await page.getByTestId('hub-repo').fill(repo);
			await page.getByTestId('hub-load-typed').click();
		};
		await load('HuggingFaceTB/SmolLM2-1B');
		await expect(page.getByTestId('hub-problem')).toContainText(`HuggingFaceTB/SmolLM2-1B was not found on ${hub.endpoint}: check the id;`);
		await load('HuggingFaceTB/Smol LM');
		await expect(page.getByRole('alert').filter({ hasText: 'is not a hub model id' })).toContainText('the name must be 1 to 96 letters');

		await load(GATED);
		const gated = page.getByTestId('hub-problem');
		await expect(gated).toHaveAttribute('data-kind', 'gated');
		await expect(gated).toContainText(`${GATED} is gated: accept its licence at ${hub.endpoint}/${GATED}, then give an access token`);
		await expect(gated.getByRole('link')).toHaveAttribute('href', `${hub.endpoint}/${GATED}`);
		await page.getByTestId('hub-token').fill(token);
		await page.getByTestId('hub-token').blur();
		await page.getByTestId('hub-load-typed').click();
		await expect(page.getByTestId('lab-model')).toContainText(`hf:${GATED}@`);
		expect(page.url()).not.toContain(token);
		expect(hub.requests.filter((r) => r.authorization !== null).every((r) => r.authorization === `Bearer ${token}` && !r.path.includes(token))).toBe(true);
		expect(await page.evaluate(() => localStorage.getItem('longscope.hub.token'))).toBeNull();
	} finally {
		await hub.close();
	}
});
