import { readdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './console';

const slugs = readdirSync('notebooks')
	.filter((f) => f.endsWith('.md') && f !== 'README.md')
	.map((f) => f.replace(/\.md$/, ''));

/** Scrolls each cell into view (cells run lazily) and waits until every one has finished. */
async function runAllCells(page: Page) {
	const cells = page.getByTestId('cell');
	await expect(cells.first()).toBeVisible();
	const count = await cells.count();
	expect(count).toBeGreaterThan(0);
	for (let i = 0; i < count; i++) {
		await cells.nth(i).scrollIntoViewIfNeeded();
		await expect(cells.nth(i)).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
	}
	return count;
}

test('cells wait off screen until asked; "Run every cell now" runs them all', async ({ page }) => {
	await page.goto('/notebooks/04-beyond-training-length?fast=1');
	const last = page.getByTestId('cell').last();
	await page.getByTestId('cell').first().scrollIntoViewIfNeeded();
	await expect(page.getByTestId('cell').first()).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
	await expect(last).toHaveAttribute('data-state', 'idle');
	await page.getByTestId('run-all').click();
	await expect(last).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
});

test('the home page lists every notebook with its level and duration', async ({ page }) => {
	await page.goto('/');
	const items = page.getByTestId('notebook-list').locator('li');
	await expect(items).toHaveCount(slugs.length);
	await expect(items.first()).toContainText('min');
});

for (const slug of slugs) {
	test(`notebook ${slug}: every live cell runs and shows its views, without console errors`, async ({ page }) => {
		test.setTimeout(300_000);
		const errors = watchErrors(page);
		await page.goto(`/notebooks/${slug}?fast=1`);
		await expect(page.getByTestId('notebook')).toBeVisible();
		const count = await runAllCells(page);
		await expect(page.getByTestId('cell-metrics')).toHaveCount(count);
		await expect(page.locator('.katex').first()).toBeVisible();
		expect(errors).toEqual([]);
	});
}

test('a cell opens in the lab with the same experiment', async ({ page }) => {
	await page.goto(`/notebooks/${slugs[0]}?fast=1`);
	const cell = page.getByTestId('cell').first();
	const hash = await cell.locator('header code[title]').getAttribute('title');
	await cell.getByTestId('open-in-lab').click();
	await expect(page).toHaveURL(/\/lab\?/);
	await expect(page.getByTestId('experiment-hash')).toHaveAttribute('title', hash!);
});

// The cost notebook needs no model; the sinks notebook runs the lab model in the browser and must
// reproduce the numbers the Node test checks.
for (const slug of ['07-cost-at-scale', '01-attention-sinks']) {
	test(`claims in ${slug} are checked against the cells that measure them, and hold`, async ({ page }) => {
		test.setTimeout(300_000);
		await page.goto(`/notebooks/${slug}`);
		await runAllCells(page);
		const summary = page.getByTestId('claims-summary');
		const total = Number(await summary.getAttribute('data-total'));
		expect(total).toBeGreaterThan(0);
		await expect(summary).toHaveAttribute('data-checked', String(total));
		await expect(summary).toHaveAttribute('data-holding', String(total));
		await expect(page.locator('.claim[data-holds="false"]')).toHaveCount(0);
	});
}

test('a reader can change a cell in place, the claims on it stop counting, and reset brings it back', async ({ page }) => {
	await page.goto('/notebooks/01-attention-sinks?fast=1');
	const cell = page.locator('[data-testid="cell"][data-cell="window"]');
	await cell.scrollIntoViewIfNeeded();
	await expect(cell).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
	await expect(cell.getByTestId('cell-reset')).toBeDisabled();
	const density = () => cell.locator('[data-metric="density"]').getAttribute('data-value');
	const before = await density();
	await cell.getByText("Change this cell's experiment").click();
	await cell.locator('#window-attn-window').fill('32');
	await cell.locator('#window-attn-window').blur();
	await expect(cell).toContainText('changed by you');
	await cell.getByTestId('cell-run').click();
	await expect(cell).toHaveAttribute('data-state', 'done');
	await expect.poll(density).not.toBe(before);
	await expect(page.locator('.claim[data-cell="window"]').first()).toHaveAttribute('data-holds', 'unchecked');
	await cell.getByTestId('cell-reset').click();
	await expect(cell).not.toContainText('changed by you');
	await expect.poll(density, { timeout: 60_000 }).toBe(before);
});

test('an unknown notebook says so and the app keeps working', async ({ page }) => {
	await page.goto('/notebooks/does-not-exist');
	await expect(page.getByText('There is no notebook called')).toBeVisible();
	await page.getByRole('link', { name: 'Lab' }).first().click();
	await expect(page).toHaveURL(/\/lab/);
});

test('names on every object\'s prototype are no notebooks either', async ({ page }) => {
	for (const slug of ['constructor', '__proto__', 'toString']) {
		await page.goto(`/notebooks/${slug}`);
		await expect(page.getByTestId('page-error')).toHaveText(`There is no notebook called "${slug}".`);
		await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
		await expect(page.getByTestId('notebook-problem')).toHaveCount(0);
		await expect(page.getByText('is not a function')).toHaveCount(0);
	}
});

test('sanitising leaves a notebook\'s math and claims whole', async ({ page }) => {
	await page.goto('/notebooks/03-kv-budgets?fast=1');
	const display = page.locator('.katex-display').first();
	await expect(display).toBeVisible();
	await expect(display.locator('math semantics annotation[encoding="application/x-tex"]')).toHaveCount(1);
	await expect(page.locator('.claim[data-claim]').first()).toBeVisible();
});

test('cost cells: each has its own id and opens the lab with its technique and the KV and latency views', async ({ page }) => {
	await page.goto('/notebooks/07-cost-at-scale');
	const cell = (id: string) => page.locator(`[data-testid="cell"][data-cell="${id}"]`);
	const id = (name: string) => cell(name).getByTestId('cell-hash').getAttribute('title');
	await expect(cell('int4')).toBeAttached();
	expect(await id('llama8b')).not.toBe(await id('int4'));
	const link = new URL((await cell('streaming').getByTestId('open-in-lab').getAttribute('href'))!, 'http://x');
	expect(link.searchParams.get('views')).toBe('kv,latency');
	expect(link.searchParams.get('kv')).toBe('streaming-llm');
	await cell('llama8b').getByTestId('open-in-lab').click();
	await expect(page).toHaveURL(/\/lab\?.*views=kv,latency/);
	await expect(page.getByRole('checkbox', { name: 'KV memory' })).toBeChecked();
	await expect(page.getByRole('checkbox', { name: 'Latency' })).toBeChecked();
});

test('claims show their comparison, the measured table reads as words, and notebook 01 shows evicted keys striped', async ({ page }) => {
	await page.goto('/notebooks/01-attention-sinks?fast=1');
	await expect(page.locator('.claim[data-cell="full"]').first()).toHaveText('≈ 5.9% (±1)');
	const full = page.locator('[data-testid="cell"][data-cell="full"]');
	await expect(full).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
	const labels = await full.getByTestId('cell-metrics').locator('th').allTextContents();
	expect(labels.length).toBeGreaterThan(3);
	expect(labels.filter((l) => /[a-z][A-Z]/.test(l))).toEqual([]);
	const streaming = page.locator('[data-testid="cell"][data-cell="streaming"]');
	await streaming.scrollIntoViewIfNeeded();
	await expect(streaming).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
	await expect(streaming.getByTestId('evicted-legend')).toBeVisible();
	await page.setViewportSize({ width: 1280, height: 800 });
	await full.screenshot({ path: 'test-results/screens/notebook-cell-full.png' });
});
