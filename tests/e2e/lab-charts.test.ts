import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './console';

// A/B in every summary, and charts that read correctly: units scaled, analytic lines apart from
// measured points, and timings repeated before a difference is called.

/** Waits for the result; presses Run where the lab has not run the link by itself. */
async function result(page: Page) {
	await expect(page.getByTestId('lab-model')).toBeVisible();
	const summary = page.getByTestId('run-summary');
	if (!(await summary.isVisible())) {
		await expect(page.getByTestId('run')).toBeEnabled();
		await page.getByTestId('run').click();
	}
	await expect(summary).toBeVisible();
}

/** A byte size shown with 4+ integer digits of a unit that has a bigger one ("500000 KiB"), or below 1 of one ("0.002 GiB"). */
const UNSCALED = /\b(\d{4,}(\.\d+)? (KiB|MiB|GiB)|0\.\d+ (KiB|MiB|GiB))\b/;

test('A/B: the run summary, KV chart, latency and retrieval show both sides, and FastV counts its pruned tokens', async ({ page }, info) => {
	const errors = watchErrors(page);
	await page.setViewportSize({ width: 1280, height: 800 });
	// B evicts half of the cache and drops half of the tokens after layer 1 (FastV).
	await page.goto('/lab?task=passkey&len=256&depth=0.5&seed=800002&b.kv=recent&b.kv.ratio=0.5&b.prune=fastv&b.prune.k=1');
	await result(page);

	const summary = page.getByTestId('run-summary');
	await expect(summary.locator('thead th')).toHaveText(['', 'A', 'B']);
	await expect(page.getByTestId('kv-resident-b')).toBeVisible();
	await expect(page.getByTestId('attention-computed')).toContainText('100.0 % of full attention');
	// B's later layers read fewer tokens than the prompt, so B computed less than all of attention.
	const share = Number((await page.getByTestId('attention-computed-b').textContent())!.match(/([\d.]+) %/)![1]);
	expect(share).toBeGreaterThan(0);
	expect(share).toBeLessThan(100);
	await expect(summary).not.toContainText(UNSCALED);

	// Shares change in percentage points, and one timing each is not called a difference.
	const ab = page.getByTestId('ab-difference');
	await expect(ab.getByRole('row', { name: /Share of the answer right/ }).locator('td').last()).toHaveText(/^(same|[+−]\d+(\.\d)? pp)$/);
	await expect(ab.getByRole('row', { name: /Attention computed/ }).locator('td').last()).toHaveText(/^−\d+(\.\d)? pp$/);
	await expect(ab.getByRole('row', { name: /^Prefill/ }).locator('td').last()).toContainText('no finding');
	await expect(ab).not.toContainText(UNSCALED);

	// The KV chart: A and B side by side, a legend with analytic lines apart from measured points.
	const kv = page.getByTestId('kv-chart');
	const legend = kv.getByTestId('kv-legend').first();
	await expect(legend.locator('li[data-kind="analytic"]')).toHaveText(['resident (analytic)', 'read / step (analytic)']);
	await expect(legend.locator('li[data-kind="measured"]')).toHaveText(['resident (measured)', 'read / step (measured)']);
	await expect(legend.locator('li[data-kind="measured"] circle')).toHaveCount(2);
	await expect(legend.locator('li[data-kind="analytic"] line')).toHaveCount(2);
	// Full attention reads all it holds: the legend says the lines coincide.
	await expect(legend.getByTestId('kv-coincide')).toContainText('A');
	await expect(kv.getByTestId('kv-measured')).toContainText(/A: [\d.]+ (B|KiB|MiB) resident.*; B: [\d.]+ (B|KiB|MiB) resident/);
	const local = kv.getByTestId('kv-chart-local').locator('svg');
	await expect(local.locator('text[aria-label^="run "]')).toHaveText(['A', 'B']);
	await expect(local).toContainText(/KV memory \((B|KiB|MiB|GiB), fp32\)/);
	await expect(kv).not.toContainText(UNSCALED);
	// Resident (solid blue) and read (dashed vermillion) are drawn apart.
	await expect(local.locator('[stroke="#0072B2"]').first()).toBeVisible();
	await expect(local.locator('[stroke-dasharray="6 4"]').first()).toBeAttached();
	// Screenshots once no job runs (the lab may re-run by itself).
	await expect(page.getByTestId('time-ab')).toBeEnabled();
	await kv.scrollIntoViewIfNeeded();
	await kv.screenshot({ path: info.outputPath('kv-chart-ab-1280.png') });
	await page.screenshot({ path: info.outputPath('lab-ab-1280.png'), fullPage: true });
	// At scale: the same colours and legend, analytic only, in GiB.
	await kv.getByTestId('kv-which').selectOption('scale');
	const scale = kv.getByTestId('kv-chart-scale').locator('svg');
	await expect(scale).toContainText('KV memory (GiB, fp16)');
	await expect(scale.locator('[stroke="#0072B2"]').first()).toBeVisible();
	await expect(kv.getByTestId('kv-legend').locator('li[data-kind="measured"]')).toHaveCount(0);
	await kv.screenshot({ path: info.outputPath('kv-chart-scale-ab-1280.png') });
	await kv.getByTestId('kv-which').selectOption('here');
	await page.setViewportSize({ width: 1920, height: 1080 });
	await page.screenshot({ path: info.outputPath('lab-ab-1920.png') });
	await page.setViewportSize({ width: 1280, height: 800 });

	// Latency: measured and roofline for A and B.
	const latency = page.getByTestId('latency');
	await expect(latency.locator('thead th')).toHaveText(['', 'A', 'B']);
	await expect(page.getByTestId('measured-prefill')).toHaveText(/^\d+(\.\d+)? (µs|ms|s)$/);
	await expect(page.getByTestId('measured-prefill-b')).toHaveText(/^\d+(\.\d+)? (µs|ms|s)$/);

	// Retrieval names A's heads and B's.
	await expect(page.getByTestId('retrieval-heads')).toContainText('A:');
	await expect(page.getByTestId('retrieval-heads-b')).toContainText('B:');
	expect(errors).toEqual([]);
});

test('the timing study runs A and B five times each, fresh, and reports medians, ranges and a verdict', async ({ page }, info) => {
	const errors = watchErrors(page);
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.goto('/lab?task=passkey&len=256&depth=0.5&seed=800002&b.attn=sink-window&b.attn.sink=4&b.attn.window=32&views=latency');
	await result(page);
	const latency = page.getByTestId('latency');
	await latency.getByRole('button', { name: 'Time A and B (5 runs each)' }).click();
	const table = page.getByTestId('timing-table');
	await expect(table).toBeVisible();
	const median = /^\d+(\.\d+)? (µs|ms|s) \(\d+(\.\d+)?( µs| ms| s)?–\d+(\.\d+)? (µs|ms|s)\)$/;
	const prefill = table.getByRole('row', { name: /First token/ }).locator('td');
	await expect(prefill.nth(0)).toHaveText(median);
	await expect(prefill.nth(1)).toHaveText(median);
	await expect(prefill.nth(2)).toHaveText(/^(no clear difference|B (faster|slower): \d+\.\d\d× A)$/);
	await expect(table).toContainText('5 fresh runs each');
	await expect(page.getByTestId('time-ab')).toBeEnabled();
	await latency.scrollIntoViewIfNeeded();
	await latency.screenshot({ path: info.outputPath('latency-ab-1280.png') });
	console.log('timing study:', (await table.innerText()).replace(/\s+/g, ' '));

	// Changing B hides the study of the old settings.
	await page.locator('#b-attn-window').fill('64');
	await page.locator('#b-attn-window').blur();
	await expect(page).toHaveURL(/b\.attn\.window=64/);
	await expect(table).toHaveCount(0);
	expect(errors).toEqual([]);
});

test('one run with a sliding window: read and resident part, each labelled on its line, and no B anywhere', async ({ page }, info) => {
	const errors = watchErrors(page);
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.goto('/lab?task=passkey&len=256&depth=0.5&seed=800002&attn=window&attn.window=64');
	await result(page);
	await expect(page.getByTestId('run-summary').locator('thead')).toHaveCount(0);
	await expect(page.getByTestId('kv-resident-b')).toHaveCount(0);
	const kv = page.getByTestId('kv-chart');
	// A window reads 64 keys of the cache it holds: the lines part, so there is no "read = resident".
	await expect(kv.getByTestId('kv-coincide')).toHaveCount(0);
	const local = kv.getByTestId('kv-chart-local').locator('svg');
	await expect(local.locator('text', { hasText: /^resident$/ })).toHaveCount(1);
	await expect(local.locator('text', { hasText: /^read$/ })).toHaveCount(1);
	await expect(local.locator('text[aria-label^="run "]')).toHaveCount(0);
	await expect(page.getByTestId('latency').locator('thead th')).toHaveText(['', 'A']);
	await expect(page.getByTestId('latency').getByRole('button', { name: 'Time this run (5 runs)' })).toBeEnabled();
	await kv.screenshot({ path: info.outputPath('kv-chart-single-1280.png') });
	expect(errors).toEqual([]);
});
