import { expect, test } from '@playwright/test';
import { watchErrors } from './console';

for (const viewport of [
	{ width: 1280, height: 800 },
	{ width: 1920, height: 1080 }
]) {
	test(`the lab after a run, at ${viewport.width}×${viewport.height} (screenshot kept as an artifact)`, async ({ page }, info) => {
		const errors = watchErrors(page);
		await page.setViewportSize(viewport);
		await page.goto('/lab?model=tiny-gqa&task=passkey&len=256&seed=3&attn=sink-window&attn.window=64&kv=snapkv');
		await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
		await page.getByTestId('run').click();
		await expect(page.getByTestId('heatmap')).toBeVisible();
		// SnapKV halves the cache after prefill: every head keeps 128 of 256 entries, plus the decoded ones.
		await expect(page.getByTestId('kv-lengths')).toContainText('L0: 13');
		// The keys SnapKV evicted are drawn as such in the heatmap.
		await expect(page.getByTestId('evicted-legend')).toContainText('128 keys');
		// The heatmap ends with the rows of the answer's decode steps.
		await expect(page.getByTestId('decode-rows')).toContainText('decode steps (positions from 256 on)');
		await info.attach(`lab-${viewport.width}x${viewport.height}.png`, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
		expect(errors).toEqual([]);
	});
}

test('copy link puts the canonical link on the clipboard', async ({ page, context }) => {
	await context.grantPermissions(['clipboard-read', 'clipboard-write']);
	await page.goto('/lab?seed=5&attn=window');
	await page.getByTestId('copy-link').click();
	await expect(page.getByTestId('copy-link')).toHaveText('Link copied');
	const copied = await page.evaluate(() => navigator.clipboard.readText());
	expect(copied).toContain('/lab?v=1&');
	expect(copied).toContain('seed=5');
	expect(copied).toContain('attn=window&attn.window=128');
});

test('a result computed before comes back from the browser cache with the same numbers', async ({ page }) => {
	await page.goto('/lab?model=tiny-gqa&task=passkey&len=200&seed=11');
	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await page.getByTestId('run').click();
	await expect(page.getByTestId('run-summary')).toBeVisible();
	await expect(page.getByTestId('from-cache')).toHaveCount(0);
	const first = await page.getByTestId('run-summary').textContent();
	// Reopened, the same link on the same model reads its result back (Run on a shown result would compute it again).
	await page.reload();
	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await page.getByTestId('run').click();
	await expect(page.getByTestId('from-cache')).toBeVisible();
	expect(await page.getByTestId('run-summary').textContent()).toBe(first);
});

test('the bundled lab model loads by itself and runs, offline', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/lab?task=passkey&len=256&seed=1');
	await expect(page.getByTestId('lab-model')).toContainText('lab-rope');
	await page.getByTestId('run').click();
	await expect(page.getByTestId('run-verdict')).toContainText('expected');
	expect(errors).toEqual([]);
});

test('the same link in a fresh browser context gives the same numbers and views', async ({ browser }) => {
	const url = '/lab?model=tiny-gqa&task=kv-retrieval&len=300&seed=6&attn=sink-window&attn.window=48&views=heatmap,kv';
	const numbers = async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(url);
		await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
		await expect(page.getByTestId('lab-model')).toBeVisible();
		await page.getByTestId('run').click();
		const summary = page.getByTestId('run-summary');
		await expect(summary).toBeVisible();
		const rows = await summary.locator('tr').evaluateAll((trs) =>
			trs.filter((tr) => !/Prefill|Decode/.test(tr.textContent ?? '')).map((tr) => tr.textContent)
		);
		const views = { headGrid: await page.getByTestId('head-grid').count(), kv: await page.getByTestId('kv-chart').count(), latency: await page.getByTestId('latency').count() };
		await context.close();
		return { rows, views };
	};
	const first = await numbers();
	expect(first.views).toEqual({ headGrid: 0, kv: 1, latency: 0 });
	expect(await numbers()).toEqual(first);
});

test('cancelling a long run leaves the lab idle and usable', async ({ page }) => {
	await page.goto('/lab?model=tiny-gqa&task=passkey&len=4096&seed=1');
	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await expect(page.getByTestId('lab-model')).toBeVisible();
	await page.getByTestId('run').click();
	await page.getByRole('button', { name: 'Cancel' }).click();
	await expect(page.getByTestId('run-error')).toContainText('The run was cancelled.');
	await expect(page.getByTestId('run')).toBeEnabled();
	await page.locator('#field-len').fill('128');
	await page.locator('#field-len').blur();
	await page.getByTestId('run').click();
	await expect(page.getByTestId('run-summary')).toBeVisible();
});

test('a new run cancels the one in progress and only the new result is shown', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/lab?model=tiny-gqa&task=passkey&len=4096&seed=1');
	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await expect(page.getByTestId('lab-model')).toBeVisible();
	await page.getByTestId('run').click();
	await expect(page.getByTestId('run-label')).toHaveText('Running…');
	await page.locator('#field-len').fill('128');
	await page.locator('#field-len').blur();
	await expect(page.getByTestId('run-label')).toHaveText('Restart with these settings');
	await page.getByTestId('run').click();
	await expect(page.getByTestId('summary-prompt-tokens')).toHaveText('128');
	await expect(page.getByTestId('run-label')).toHaveText('Run');
	await expect(page.getByTestId('run-error')).toHaveCount(0);
	expect(errors).toEqual([]);
});
