import { expect, test } from '@playwright/test';
import { watchErrors } from './console';

const ROUTES = [
	{ path: '/', heading: 'Longscope' },
	{ path: '/lab', heading: 'Lab' },
	{ path: '/models', heading: 'Models' },
	{ path: '/techniques', heading: 'Techniques' },
	{ path: '/notebooks/01-attention-sinks', heading: 'Attention sinks and streaming' },
	{ path: '/notebooks/no-such-notebook', heading: 'Not found' }
];

for (const { path, heading } of ROUTES) {
	test(`${path} renders without console errors`, async ({ page }) => {
		const errors = watchErrors(page);
		await page.goto(path);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
		await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
		// The capability probe has finished once it names the WASM tier.
		await expect(page.getByTestId('wasm')).toBeVisible();
		expect(errors).toEqual([]);
	});
}

test('pages are cross-origin isolated, so WASM can use threads', async ({ page }) => {
	await page.goto('/lab');
	expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
	await expect(page.getByTestId('wasm')).toHaveAttribute('data-isolated', 'true');
});

test('navigation moves between pages', async ({ page }) => {
	await page.goto('/');
	await page.getByRole('link', { name: 'Open the lab' }).click();
	await expect(page).toHaveURL(/\/lab$/);
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Models');
});

test('the techniques page documents every registered technique from its metadata', async ({ page }) => {
	await page.goto('/techniques');
	await expect(page.getByTestId('technique').first()).toBeVisible();
	const ids = await page.getByTestId('technique').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-id')));
	expect(ids).toContain('vertical-slash');
	expect(ids).toContain('self-extend');
	expect(ids).toContain('snapkv');
	expect(ids).toContain('fastv');
	expect(ids.length).toBeGreaterThanOrEqual(25);
	await expect(page.locator('[data-id="yarn"]')).toContainText('pos.beta_fast');
	await expect(page.locator('[data-id="sink-window"]')).toContainText('Efficient Streaming Language Models with Attention Sinks');
});
