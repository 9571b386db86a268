import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { watchErrors } from './console';

// The lab as a workbench: a link runs by itself, changes mark results stale, Run has a shortcut,
// the model the user loaded is kept, and the first screen holds every result panel.

const TINY = ['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors'];

async function shot(page: Page, info: TestInfo, name: string) {
	const path = info.outputPath(name);
	await page.screenshot({ path });
	await info.attach(name, { path, contentType: 'image/png' });
}

test('a link runs by itself on the lab model, at its trained length, and says so', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/lab?task=passkey&seed=1');
	await expect(page.getByTestId('lab-model')).toContainText('lab-rope');
	await expect(page.getByTestId('trained-length')).toHaveText('256');
	// A link without a length runs at the model's trained context, not at the field's 512.
	await expect(page.locator('#field-len')).toHaveValue('256');
	await expect(page).toHaveURL(/len=256/);
	await expect(page.getByTestId('len-hint')).toHaveCount(0);
	// Nobody pressed Run.
	await expect(page.getByTestId('run-verdict')).toContainText('expected');
	await expect(page.getByTestId('summary-prompt-tokens').first()).toHaveText('256');
	expect(errors).toEqual([]);
});

test('the default experiment succeeds on the lab model', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/lab');
	await expect(page.getByTestId('run-verdict')).toHaveAttribute('data-correct', 'true');
	await expect(page.locator('#field-len')).toHaveValue('256');
	expect(errors).toEqual([]);
});

test('a change marks the result stale; a long run waits for Run with its estimate; Ctrl+Enter runs', async ({ page }) => {
	await page.goto('/lab?task=passkey&len=256&seed=1&views=heatmap,heads');
	await expect(page.getByTestId('run-verdict')).toBeVisible();
	await expect(page.getByTestId('stale')).toHaveCount(0);
	// 8 192 tokens on a model trained on 256: a hint, a stale result, an estimate, and no run yet.
	await page.locator('#field-len').fill('8192');
	await page.locator('#field-len').blur();
	await expect(page.getByTestId('len-hint')).toContainText('256 tokens this model was trained on');
	await expect(page.getByTestId('stale')).toHaveText('stale — press Run');
	await expect(page.getByTestId('run-estimate')).toContainText('at the rate measured in this browser');
	await expect(page.getByTestId('run-label')).toHaveText('Run');
	await expect(page.getByTestId('run')).toHaveAttribute('aria-keyshortcuts', 'Control+Enter Meta+Enter');
	await page.keyboard.press('Control+Enter');
	await expect(page.getByTestId('run-label')).toHaveText('Running…');
	await page.getByRole('button', { name: 'Cancel' }).click();
	await expect(page.getByTestId('run-error')).toContainText('cancelled');
	// Cancelled is not retried by itself; a cheap change runs by itself again.
	await expect(page.getByTestId('run-label')).toHaveText('Run');
	await page.locator('#field-len').fill('128');
	await page.locator('#field-len').blur();
	await expect(page.getByTestId('summary-prompt-tokens').first()).toHaveText('128');
	await expect(page.getByTestId('stale')).toHaveCount(0);
});

test('a model loaded on /models is the one the lab runs', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/models');
	await page.getByTestId('model-files').setInputFiles(TINY);
	await expect(page.getByRole('heading', { name: 'Model', exact: true })).toBeVisible();
	await page.getByRole('navigation').getByRole('link', { name: 'Lab' }).click();
	const line = page.getByTestId('lab-model');
	await expect(line).toContainText('2 layers');
	await expect(line).toContainText('the model you loaded');
	await expect(line).not.toContainText('lab-rope');
	await expect(page.getByTestId('run-verdict')).toBeVisible();
	await expect(page.getByTestId('lab-model')).toContainText('2 layers');
	expect(errors).toEqual([]);
});

test('without a head in the link the heatmap shows the strongest retrieval head', async ({ page }) => {
	await page.goto('/lab?task=passkey&len=256&seed=1&views=heatmap,heads&view.metric=retrieval');
	const grid = page.getByTestId('head-grid');
	await expect(grid.getByRole('button', { name: /shown in the heatmap/ })).toHaveCount(1);
	// The page captured the head whose retrieval score is highest (the shown value, as the grid rounds it).
	const labels = await grid.getByRole('button', { name: /^Layer \d+ head \d+:/ }).evaluateAll((cells) => cells.map((c) => c.getAttribute('aria-label') ?? ''));
	const score = (label: string) => Number(/([-\d.]+)(?: \(shown in the heatmap\))?$/.exec(label)![1]);
	const best = Math.max(...labels.map(score));
	const shownLabel = labels.find((l) => l.endsWith('(shown in the heatmap)'))!;
	expect(score(shownLabel)).toBe(best);
	const [, layer, head] = /^Layer (\d+) head (\d+)/.exec(shownLabel)!;
	await expect(page.getByTestId('heatmap').first()).toHaveAttribute('data-layer', layer);
	await expect(page.getByTestId('heatmap').first()).toHaveAttribute('data-head', head);
	// The link keeps saying "the page picks": nothing was written for the head.
	expect(page.url()).not.toContain('view.layer');
});

test('the view state in the link survives a reload', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/lab?task=passkey&len=256&seed=1&views=heatmap,heads&view.layer=1&view.head=1');
	const heatmap = page.getByTestId('heatmap').first();
	await expect(heatmap).toHaveAttribute('data-layer', '1');
	await expect(heatmap).toHaveAttribute('data-head', '1');
	await page.reload();
	await expect(page.getByTestId('heatmap').first()).toHaveAttribute('data-layer', '1');
	await expect(page.getByTestId('heatmap').first()).toHaveAttribute('data-head', '1');
	// Choosing a head in the grid writes it into the link.
	await page.getByTestId('head-grid').getByRole('button', { name: /Layer 2 head 3:/ }).click();
	await expect(page).toHaveURL(/view\.layer=2&view\.head=3/);
	await expect(page.getByTestId('heatmap').first()).toHaveAttribute('data-head', '3');
	expect(errors).toEqual([]);
});

test('an A/B link has its own id, not A\'s', async ({ page }) => {
	await page.goto('/lab?task=passkey&len=256&seed=1');
	const a = await page.getByTestId('experiment-hash').textContent();
	await page.goto('/lab?task=passkey&len=256&seed=1&b.attn=sink-window');
	await expect(page.getByTestId('experiment-hash')).not.toHaveText(a!);
	const ab = await page.getByTestId('experiment-hash').textContent();
	await page.goto('/lab?task=passkey&len=256&seed=1&b.attn=sink-window&b.attn.window=32');
	await expect(page.getByTestId('experiment-hash')).not.toHaveText(ab!);
});

for (const viewport of [
	{ width: 1280, height: 800 },
	{ width: 1920, height: 1080 }
]) {
	test(`at ${viewport.width}×${viewport.height} the summary, heatmap, head grid, KV memory and latency need no scrolling`, async ({ page }, info) => {
		const errors = watchErrors(page);
		await page.setViewportSize(viewport);
		await page.goto('/lab?task=passkey&len=256&seed=1');
		await expect(page.getByTestId('run-verdict')).toBeVisible();
		await expect(page.getByTestId('heatmap').first()).toBeVisible();
		// The page's second run, for the strongest retrieval head's map, has finished.
		await expect(page.getByTestId('run-label')).toHaveText('Run');
		for (const panel of [page.getByTestId('result-panel'), ...['heatmap', 'heads', 'kv', 'latency'].map((id) => page.locator(`section[data-view="${id}"]`))]) {
			const box = (await panel.boundingBox())!;
			expect(box.y).toBeGreaterThanOrEqual(0);
			expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
			expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
		}
		await expect(page.getByTestId('run')).toBeInViewport();
		await shot(page, info, `lab-workbench-${viewport.width}x${viewport.height}.png`);

		await page.goto('/lab?task=passkey&len=256&seed=1&b.attn=sink-window&b.attn.sink=4&b.attn.window=32');
		await expect(page.getByTestId('run-verdict')).toBeVisible();
		await expect(page.getByTestId('heatmap')).toHaveCount(2);
		await expect(page.getByTestId('run-label')).toHaveText('Run');
		await expect(page.getByTestId('stale')).toHaveCount(0);
		await shot(page, info, `lab-workbench-ab-${viewport.width}x${viewport.height}.png`);
		expect(errors).toEqual([]);
	});
}
