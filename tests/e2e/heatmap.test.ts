import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { watchErrors } from './console';

test.use({ viewport: { width: 1280, height: 800 } });

/**
 * Waits for the linked experiment's result on the bundled lab model: the lab runs a link by itself
 * when it is quick, while a long one waits for Run, so Run is pressed only while the page is idle
 * with no result; then waits until no follow-up run is in flight.
 */
async function labResult(page: Page) {
	await expect(page.getByTestId('lab-model')).toContainText('lab-rope', { timeout: 60_000 });
	const verdict = page.getByTestId('run-verdict');
	const run = page.getByTestId('run');
	const idle = page.getByTestId('run-label');
	await expect(async () => {
		if (!(await verdict.isVisible()) && (await run.isEnabled()) && (await idle.textContent())?.trim() === 'Run') await run.click();
		await expect(verdict).toContainText('expected', { timeout: 2_000 });
	}).toPass({ timeout: 240_000 });
	await expect(idle).toHaveText('Run', { timeout: 240_000 });
}

async function shoot(page: Page, info: TestInfo, name: string) {
	const path = info.outputPath(name);
	await page.screenshot({ path });
	await info.attach(name, { path, contentType: 'image/png' });
}

test('a 2 048-token passkey: the whole map pooled with axes, a colour bar, the pooling in words and the needle bracketed', async ({ page }, info) => {
	test.setTimeout(300_000);
	const errors = watchErrors(page);
	await page.goto('/lab?task=passkey&len=2048&depth=0.5&seed=3&views=heatmap,heads&view.layer=0&view.head=1');
	await labResult(page);
	const heatmap = page.getByTestId('heatmap');
	await expect(heatmap).toHaveAttribute('data-layer', '0');
	await expect(heatmap).toHaveAttribute('data-head', '1');
	// The whole map: 2 048 prompt positions and the answer's, not the last rows only.
	const caption = (await heatmap.locator('figcaption').textContent())!;
	const positions = Number(/(\d+) queries × \1 keys/.exec(caption)![1]);
	expect(positions).toBeGreaterThan(2048);
	const block = Math.ceil(positions / 256);
	await expect(heatmap.getByTestId('heatmap-cells')).toHaveText(`each cell: max over ${block} queries × ${block} keys`);
	await expect(heatmap.getByTestId('heatmap-region')).toContainText(`Showing queries 0–${positions - 1} × keys 0–${positions - 1}, pooled ${block}×${block}`);
	// Position ticks on both axes, at round numbers.
	await expect(heatmap.getByTestId('ticks-keys').locator('li').filter({ hasText: /^1,000$/ })).toHaveCount(1);
	await expect(heatmap.getByTestId('ticks-queries').locator('li').filter({ hasText: /^1,000$/ })).toHaveCount(1);
	await expect(page.getByTestId('heatmap-view').getByTestId('colour-bar')).toContainText('10⁻⁴');
	// The captured region is square in positions, and so is the drawing.
	const canvas = heatmap.locator('canvas');
	const box = (await canvas.boundingBox())!;
	expect(Math.abs(box.width / box.height - 1)).toBeLessThan(0.02);
	// The needle: a bracket over its keys, wide enough to see, inside the map's width.
	const needle = heatmap.getByTestId('needle-marker');
	const mark = (await needle.boundingBox())!;
	expect(mark.width).toBeGreaterThanOrEqual(6);
	expect(mark.x).toBeGreaterThanOrEqual(box.x);
	expect(mark.x + mark.width).toBeLessThanOrEqual(box.x + box.width + 1);
	expect(mark.y + mark.height).toBeLessThanOrEqual(box.y + 1);
	await heatmap.scrollIntoViewIfNeeded();
	await shoot(page, info, 'heatmap-2048-1280x800.png');

	// Zoomed to the needle, the region is read at full resolution and labelled with tokens.
	await heatmap.getByRole('button', { name: 'Zoom: last queries on the needle' }).click();
	await expect(heatmap.getByTestId('heatmap-cells')).toHaveText('each cell: one query × one key (full resolution)');
	await expect(heatmap.getByTestId('axis-keys').locator('li').first()).toBeVisible();
	await expect(page).toHaveURL(/view\.zoom=\d+-\d+,\d+-\d+/);
	// The colour scale is part of the link too.
	await page.getByTestId('heatmap-scale').selectOption('linear');
	await expect(page).toHaveURL(/view\.scale=linear/);
	await expect(page.getByTestId('heatmap-view').getByTestId('colour-bar')).toContainText('0.5');
	await shoot(page, info, 'heatmap-2048-needle-1280x800.png');
	// Wider, the same map keeps its shape.
	await heatmap.getByTestId('zoom-reset').click();
	await page.setViewportSize({ width: 1920, height: 1080 });
	await expect(heatmap.getByTestId('heatmap-cells')).toHaveText(`each cell: max over ${block} queries × ${block} keys`);
	const wide = (await canvas.boundingBox())!;
	expect(Math.abs(wide.width / wide.height - 1)).toBeLessThan(0.02);
	await heatmap.scrollIntoViewIfNeeded();
	await shoot(page, info, 'heatmap-2048-1920x1080.png');
	expect(errors).toEqual([]);
});

test('A/B: both maps at the same height, one colour bar, one zoom, and B’s head grid beside A’s', async ({ page }, info) => {
	test.setTimeout(300_000);
	const errors = watchErrors(page);
	await page.goto('/lab?task=passkey&len=1024&depth=0.5&seed=3&views=heatmap,heads&view.layer=0&view.head=1&b.attn=sink-window&b.attn.sink=4&b.attn.window=64');
	await labResult(page);
	const view = page.getByTestId('heatmap-view');
	await expect(view.getByTestId('heatmap')).toHaveCount(2);
	await expect(view.getByTestId('colour-bar')).toHaveCount(1);
	await expect(view.getByTestId('colour-bar')).toContainText('A and B alike');
	const [a, b] = [view.getByTestId('heatmap-a'), view.getByTestId('heatmap-b')];
	await a.locator('canvas').scrollIntoViewIfNeeded();
	const [boxA, boxB] = [(await a.locator('canvas').boundingBox())!, (await b.locator('canvas').boundingBox())!];
	expect(Math.abs(boxA.y - boxB.y)).toBeLessThan(1);
	expect(boxB.x).toBeGreaterThan(boxA.x + boxA.width);
	await shoot(page, info, 'heatmap-ab-1280x800.png');

	// Dragging on A zooms both to the same region.
	const whole = (await a.getByTestId('heatmap-region').textContent())!;
	await page.mouse.move(boxA.x + boxA.width * 0.5, boxA.y + boxA.height * 0.6);
	await page.mouse.down();
	await page.mouse.move(boxA.x + boxA.width * 0.8, boxA.y + boxA.height * 0.9, { steps: 4 });
	await page.mouse.up();
	await expect(a.getByTestId('heatmap-region')).not.toHaveText(whole);
	const region = /Showing queries \d+–\d+ × keys \d+–\d+/.exec((await a.getByTestId('heatmap-region').textContent())!)![0];
	await expect(b.getByTestId('heatmap-region')).toContainText(region);
	await expect(page).toHaveURL(/view\.zoom=/);
	await b.getByTestId('zoom-reset').click();
	await expect(a.getByTestId('heatmap-region')).toHaveText(whole);

	// B's head grid beside A's, on one colour scale; the metric is in the link.
	const grid = page.getByTestId('head-grid');
	await expect(grid.getByTestId('head-grid-a')).toBeVisible();
	await expect(grid.getByTestId('head-grid-b')).toBeVisible();
	await expect(grid.getByTestId('colour-bar')).toHaveCount(1);
	await grid.getByLabel('Colour by').selectOption('entropy');
	await expect(page).toHaveURL(/view\.metric=entropy/);
	// The head shown in the heatmap is marked in both grids.
	await expect(grid.getByRole('button', { pressed: true })).toHaveCount(2);
	await grid.scrollIntoViewIfNeeded();
	await shoot(page, info, 'head-grid-ab-1280x800.png');
	expect(errors).toEqual([]);
});

test('in a notebook cell the head grid is plain cells, not buttons that do nothing', async ({ page }, info) => {
	test.setTimeout(180_000);
	const errors = watchErrors(page);
	await page.goto('/notebooks/01-attention-sinks?fast=1');
	const cell = page.locator('[data-testid="cell"][data-cell="full"]');
	await cell.scrollIntoViewIfNeeded();
	await expect(cell).toHaveAttribute('data-state', 'done', { timeout: 150_000 });
	const grid = cell.getByTestId('head-grid');
	await expect(grid.locator('table .cell').first()).toBeVisible();
	await expect(grid.locator('table').getByRole('button')).toHaveCount(0);
	await expect(grid).toContainText('The outlined cell is the head shown in the heatmap.');
	// The cell's heatmap has its axes and colour bar too.
	await expect(cell.getByTestId('heatmap').getByTestId('ticks-keys')).toBeVisible();
	await expect(cell.getByTestId('colour-bar').first()).toBeVisible();
	await cell.getByTestId('heatmap').scrollIntoViewIfNeeded();
	await shoot(page, info, 'notebook-cell-heatmap-1280x800.png');
	expect(errors).toEqual([]);
});
