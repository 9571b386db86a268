import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './console';

// A sweep as a user runs one: a link, progress, the curves, each point into the lab, a CSV equal
// to the runs, resuming from the result cache after a reload, cancel, and a bad link refused.

const SWEEP = 'model=lab-rope&task=passkey&len=128&kv=snapkv&sweep.x=kv.ratio:0.25,0.75&sweep.series=kv:snapkv,streaming-llm&sweep.seeds=1';

const progress = (page: Page) => page.getByTestId('sweep-progress');

test('a small sweep runs with progress, draws its curves, exports its runs, and resumes from the cache after a reload', async ({ page }, info) => {
	const errors = watchErrors(page);
	await page.goto(`/sweep?${SWEEP}`);
	await expect(page.getByTestId('sweep-summary')).toContainText('4 runs');
	await expect(progress(page)).toHaveAttribute('data-total', '4');
	await page.getByTestId('run-sweep').click();
	await expect(progress(page)).toHaveAttribute('data-done', '4', { timeout: 180_000 });
	// One line per technique.
	const chart = page.getByTestId('sweep-chart');
	await expect(chart.locator('svg[class^="plot"] g[aria-label="line"] path')).toHaveCount(2);
	await expect(page.getByTestId('sweep-runs').locator('tbody tr')).toHaveCount(4);
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.screenshot({ path: info.outputPath('sweep.png'), fullPage: true });
	await page.getByTestId('sweep-view').selectOption('pareto-kv');
	await expect(chart.locator('svg[class^="plot"] g[aria-label="dot"] circle')).toHaveCount(4);

	const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-sweep-csv').click()]);
	const lines = readFileSync((await download.path())!, 'utf8').trim().split('\n');
	expect(lines[0]).toMatch(/^series,kv\.ratio,seed,correct,partial/);
	expect(lines).toHaveLength(5);
	const answers = await page.getByTestId('sweep-runs').locator('tbody tr td:nth-child(4)').allTextContents();
	const table = await page.getByTestId('sweep-runs').locator('tbody tr td:nth-child(5)').allTextContents();
	// The CSV's correct column agrees with the table's answers against the expected ones.
	lines.slice(1).forEach((line, i) => expect(line.split(',')[3]).toBe(String(answers[i] === table[i])));

	await page.reload();
	await expect(progress(page)).toHaveAttribute('data-done', '4');
	await expect(page.getByTestId('run-sweep')).toHaveText('Done');
	// A point opens in the lab as its own experiment.
	await page.getByTestId('open-point').nth(1).click();
	await expect(page).toHaveURL(/\/lab\?.*kv=snapkv&kv\.ratio=0\.75/);
	expect(errors).toEqual([]);
});

test('a sweep can be cancelled, and a bad sweep link says what is wrong', async ({ page }) => {
	await page.goto('/sweep?model=lab-rope&task=passkey&len=256&sweep.x=depth:0,0.25,0.5,0.75,1&sweep.seeds=1..8');
	await expect(progress(page)).toHaveAttribute('data-total', '40');
	await page.getByTestId('run-sweep').click();
	await page.getByTestId('cancel-sweep').click();
	await expect(page.getByTestId('sweep-run-error')).toContainText('cancelled');
	expect(Number(await progress(page).getAttribute('data-done'))).toBeLessThan(40);

	await page.goto('/sweep?model=lab-rope&kv=snapkv&sweep.x=kv.ratio:1.5');
	await expect(page.getByTestId('sweep-error')).toContainText('kv.ratio = "1.5" must be at most 1');
	await page.getByTestId('sweep-query').fill('model=lab-rope&task=passkey&len=128&sweep.x=depth:0.5');
	await page.getByRole('button', { name: 'Open' }).click();
	await expect(page.getByTestId('sweep-summary')).toContainText('1 run of');
});

test('a sweep over models loads each model in turn: ALiBi reads past its training length where RoPE does not', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/sweep?model=lab-rope&task=passkey&len=512&seed=3&sweep.x=len:512&sweep.series=model:lab-rope,lab-alibi&sweep.seeds=3');
	await expect(progress(page)).toHaveAttribute('data-total', '2');
	await page.getByTestId('run-sweep').click();
	await expect(progress(page)).toHaveAttribute('data-done', '2', { timeout: 120_000 });
	const rows = page.getByTestId('sweep-runs').locator('tbody tr');
	const cells = async (i: number) => rows.nth(i).locator('td').allTextContents();
	const [rope, alibi] = [await cells(0), await cells(1)];
	expect([rope[0], alibi[0]]).toEqual(['lab-rope', 'lab-alibi']);
	// The same key (fifth column), found by one model only (the answer's cell is marked).
	expect(alibi[4]).toBe(rope[4]);
	await expect(rows.nth(1).locator('td').nth(3)).toHaveClass(/\bright\b/);
	await expect(rows.nth(0).locator('td').nth(3)).toHaveClass(/\bwrong\b/);
	// The results are cached under each point's own model: a reload shows them without running.
	await page.reload();
	await expect(progress(page)).toHaveAttribute('data-done', '2');
	expect(errors).toEqual([]);
});

test('the lab offers to sweep its experiment', async ({ page }) => {
	await page.goto('/lab?task=passkey&len=128&seed=1');
	await page.getByTestId('sweep-this').click();
	await expect(page).toHaveURL(/\/sweep\?.*sweep\.x=len:64,128,256/);
	await expect(page.getByTestId('sweep-summary')).toContainText('9 runs');
});
