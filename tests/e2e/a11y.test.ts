import { readdirSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

// Every page, scanned by axe-core once its content is drawn: a serious or critical violation fails.

const notebooks = readdirSync('notebooks')
	.filter((f) => f.endsWith('.md') && f !== 'README.md')
	.map((f) => `/notebooks/${f.replace(/\.md$/, '')}?fast=1`);

async function violations(page: Page): Promise<string[]> {
	const { violations } = await new AxeBuilder({ page }).analyze();
	return violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}`));
}

/** The page is drawn once its heading is there and the capability probe has named the WASM tier. */
async function open(page: Page, path: string) {
	await page.goto(path);
	await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
	await expect(page.getByTestId('wasm')).toBeVisible();
}

for (const path of ['/', '/models', '/techniques', '/no-such-page']) {
	test(`${path} has no serious accessibility violations`, async ({ page }) => {
		await open(page, path);
		expect(await violations(page)).toEqual([]);
	});
}

test('/kernels with its check on screen has no serious accessibility violations', async ({ page }) => {
	await open(page, '/kernels?cases=1');
	await expect(page.getByTestId('kernel-check')).toHaveAttribute('data-state', /done|unavailable|failed/, { timeout: 200_000 });
	expect(await violations(page)).toEqual([]);
});

test('/lab with a result on screen has no serious accessibility violations', async ({ page }) => {
	test.setTimeout(300_000);
	await open(page, '/lab?model=tiny-gqa&task=passkey&len=128&seed=1');
	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await expect(page.getByTestId('lab-model')).toBeVisible();
	await page.getByTestId('run').click();
	await expect(page.getByTestId('heatmap').first()).toBeVisible();
	expect(await violations(page)).toEqual([]);
});

for (const path of notebooks) {
	test(`${path} with its first cell run has no serious accessibility violations`, async ({ page }) => {
		test.setTimeout(300_000);
		await open(page, path);
		// Cells run when they come on screen: the reader scrolls to the first.
		await page.getByTestId('cell').first().scrollIntoViewIfNeeded();
		await expect(page.getByTestId('cell').first()).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
		expect(await violations(page)).toEqual([]);
	});
}

test('/sweep with its curves on screen has no serious accessibility violations', async ({ page }) => {
	await open(page, '/sweep?model=lab-rope&task=passkey&len=128&sweep.x=depth:0,1&sweep.seeds=1');
	await page.getByTestId('run-sweep').click();
	await expect(page.getByTestId('sweep-progress')).toHaveAttribute('data-done', '2', { timeout: 120_000 });
	await expect(page.getByTestId('sweep-chart')).toBeVisible();
	expect(await violations(page)).toEqual([]);
});
