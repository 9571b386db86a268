import { expect, test } from '@playwright/test';
import { watchErrors } from './console';

const ROUTES = [
	{ path: '/', heading: 'Longscope' },
	{ path: '/lab', heading: 'Lab' },
	{ path: '/sweep', heading: 'Sweep' },
	{ path: '/models', heading: 'Models' },
	{ path: '/techniques', heading: 'Techniques' },
	{ path: '/kernels?cases=1&seed=not-a-number', heading: 'GPU kernels' },
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

test('an unknown page says "Not found" once and names the page', async ({ page }) => {
	await page.goto('/no-such-page');
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not found');
	await expect(page.getByTestId('page-error')).toHaveText('There is no page at /no-such-page.');
	await expect(page.getByText(/not found/i)).toHaveCount(1);
});

test('the nav fits a 390 px phone: every link on screen, nothing scrolls sideways', async ({ page }) => {
	await page.setViewportSize({ width: 390, height: 800 });
	await page.goto('/techniques');
	const nav = page.getByRole('navigation', { name: 'Main' });
	await expect(nav.getByRole('link')).toHaveCount(5);
	for (const link of await nav.getByRole('link').all()) {
		const box = (await link.boundingBox())!;
		expect(box.x + box.width).toBeLessThanOrEqual(390);
	}
	expect(await page.evaluate(() => document.querySelector('header')!.scrollWidth)).toBeLessThanOrEqual(390);
	await page.screenshot({ path: 'test-results/screens/nav-390.png' });
});

test('/techniques renders inline markdown, has an index by family, and each technique opens in the lab', async ({ page }) => {
	await page.goto('/techniques');
	const index = page.getByTestId('techniques-index');
	await expect(index.getByRole('link', { name: 'KV-cache policies' })).toHaveAttribute('href', '#kv');
	const count = await page.getByTestId('technique').count();
	await expect(index.locator('li a')).toHaveCount(count);
	// No raw Markdown: a backtick in the text is a code span that was not rendered.
	const texts = await page.getByTestId('technique').allTextContents();
	expect(texts.filter((t) => t.includes('`'))).toEqual([]);
	await page.screenshot({ path: 'test-results/screens/techniques-1280.png' });

	await index.getByRole('link', { name: 'SnapKV' }).click();
	await expect(page).toHaveURL(/#kv-snapkv$/);
	await expect(page.locator('#kv-snapkv')).toBeInViewport();
	await page.locator('#kv-snapkv').getByTestId('try-in-lab').click();
	await expect(page).toHaveURL(/\/lab\?.*kv=snapkv/);
	await expect(page.locator('#slot-kv')).toHaveValue('snapkv');
});
