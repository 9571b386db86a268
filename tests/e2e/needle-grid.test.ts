import { expect, test } from '@playwright/test';

test('A/B needle grids sit within a 1280×800 viewport, each with its CSV button under its table', async ({ page }) => {
	test.setTimeout(300_000);
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.goto('/lab?model=tiny-gqa&task=passkey&len=64&seed=1&views=needle&b.attn=window&b.attn.window=16');
	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await expect(page.getByTestId('lab-model')).toBeVisible();
	await page.getByTestId('run-grid').click();
	const tables = page.getByTestId('needle-grid');
	await expect(tables).toHaveCount(2);
	for (const table of await tables.all()) {
		const box = (await table.boundingBox())!;
		expect(box.x).toBeGreaterThanOrEqual(0);
		expect(box.x + box.width).toBeLessThanOrEqual(1280);
	}
	for (const button of await page.getByTestId('export-grid-csv').all()) {
		// A button, not a column: about one line high.
		expect((await button.boundingBox())!.height).toBeLessThan(60);
	}
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
	await page.getByTestId('needle-grids').scrollIntoViewIfNeeded();
	await page.screenshot({ path: 'test-results/screens/needle-ab-1280.png' });
});
