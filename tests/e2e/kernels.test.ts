import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './console';

// Chromium's software WebGPU adapter (--enable-unsafe-webgpu, playwright.config.ts): every kernel
// against the TypeScript reference on random calls over every registry pattern.
test('every GPU kernel agrees with the TypeScript reference on the software adapter', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/kernels?cases=2&seed=1');
	test.skip(!(await hasAdapter(page)), 'no WebGPU adapter here');
	const check = page.getByTestId('kernel-check');
	await expect(check).toHaveAttribute('data-state', /done|failed|unavailable/, { timeout: 200_000 });
	// The whole section on failure: it names each failing kernel and case, or why the check stopped.
	const report = (await check.textContent()) ?? '';
	expect(await check.getAttribute('data-state'), report).toBe('done');
	expect(await check.getAttribute('data-failures'), report).toBe('0');
	for (const kernel of ['attention', 'row statistics', 'pooled map', 'heatmap tiles', 'quest pages', 'token-select', 'tile skipping']) {
		await expect(page.locator(`[data-kernel="${kernel}"]`)).toBeVisible();
	}
	expect(errors).toEqual([]);
});

/**
 * Runs a lab link on WASM, then reloads the model on WebGPU and runs it again (the footer forgets
 * the last run's path in between); returns what each run showed.
 */
async function onBothProviders(page: Page, link: string) {
	await page.goto(link);
	const shown = async () => ({
		answer: await page.getByTestId('run-verdict').textContent(),
		computed: await page.getByTestId('attention-computed').textContent(),
		heatmap: await page.evaluate(() => {
			const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="heatmap"] canvas')!;
			return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
		})
	});
	const run = async () => {
		await expect(page.getByTestId('run')).toBeEnabled();
		await page.getByTestId('run').click();
	};
	await expect(page.getByTestId('lab-model')).toBeVisible();
	if (!(await page.getByTestId('run-summary').isVisible())) await run();
	await expect(page.getByTestId('attention-path')).toContainText('WASM');
	const wasm = await shown();
	await page.getByLabel('Run on').selectOption('webgpu');
	await expect(page.getByTestId('attention-path')).toHaveCount(0);
	await run();
	await expect(page.getByTestId('attention-path')).toBeVisible();
	return { wasm, gpu: await shown() };
}

/** The same heatmap: colours within 2 levels (f32 sums in another order), pixel by pixel. */
function expectSameHeatmap(a: number[], b: number[]) {
	expect(a.length).toBe(b.length);
	expect(a.filter((value, n) => Math.abs(value - b[n]) > 2).length / a.length).toBeLessThan(0.001);
}

const hasAdapter = (page: Page) => page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()));

test('on WebGPU a sparse pattern runs on the kernels, answers as on WASM, and the footer and manifest say which path ran', async ({ page }) => {
	await page.goto('/');
	test.skip(!(await hasAdapter(page)), 'no WebGPU adapter here');
	const errors = watchErrors(page);
	// Beyond 1 024 tokens, where the lab stops fitting MInference's shapes to every head (which reads
	// all their probabilities, so those calls stay on onnxruntime).
	const { wasm, gpu } = await onBothProviders(page, '/lab?task=passkey&len=1100&depth=0.5&seed=800002&attn=sink-window&attn.sink=4&attn.window=64');
	// Every call, the heatmap's head included (its cells pooled on the GPU), ran on the kernels.
	await expect(page.getByTestId('attention-path')).toHaveText("Last run's attention: WebGPU kernels");
	expect({ ...gpu, heatmap: [] }).toEqual({ ...wasm, heatmap: [] });
	expectSameHeatmap(gpu.heatmap, wasm.heatmap);
	await expect(page.getByTestId('latency')).toContainText('measured here (WebGPU kernels');

	const download = page.waitForEvent('download');
	await page.getByTestId('export-json').click();
	const manifest = JSON.parse(await (await (await download).createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString()));
	expect(manifest.attentionPath).toMatch(/attention calls on the kernels/);
	expect(errors).toEqual([]);
});

test('on WebGPU, Quest and TokenSelect select on the GPU and answer as on WASM', async ({ page }) => {
	await page.goto('/');
	test.skip(!(await hasAdapter(page)), 'no WebGPU adapter here');
	const errors = watchErrors(page);
	// Both select at decode steps: at 512 tokens the prefill's calls that fit MInference's shapes stay on onnxruntime.
	for (const kv of ['kv=quest&kv.budget=128', 'kv=token-select&kv.k=64']) {
		const { wasm, gpu } = await onBothProviders(page, `/lab?task=passkey&len=512&depth=0.5&seed=800002&${kv}`);
		await expect(page.getByTestId('attention-path'), kv).toHaveText("Last run's attention: WebGPU kernels + ORT");
		expect({ ...gpu, heatmap: [] }, kv).toEqual({ ...wasm, heatmap: [] });
		expectSameHeatmap(gpu.heatmap, wasm.heatmap);
	}
	expect(errors).toEqual([]);
});

test('a sweep measures attention-mass recall and density on the kernels as on WASM', async ({ page }) => {
	await page.goto('/sweep?model=lab-rope&task=passkey&len=1100&attn=sink-window&sweep.x=attn.window:32&sweep.seeds=1');
	test.skip(!(await hasAdapter(page)), 'no WebGPU adapter here');
	const errors = watchErrors(page);
	const progress = page.getByTestId('sweep-progress');
	/** recall and density of each run, from the sweep's CSV. */
	const measured = async () => {
		await expect(progress).toHaveAttribute('data-done', '0');
		await page.getByTestId('run-sweep').click();
		await expect(progress).toHaveAttribute('data-done', '1', { timeout: 200_000 });
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-sweep-csv').click()]);
		const [header, ...lines] = readFileSync((await download.path())!, 'utf8').trim().split('\n');
		const columns = header.split(',');
		return lines.map((line) => {
			const cells = line.split(',');
			return { recall: Number(cells[columns.indexOf('recall')]), density: Number(cells[columns.indexOf('density')]) };
		});
	};
	await expect(page.getByTestId('lab-model').or(page.getByTestId('run-sweep'))).toBeVisible();
	const wasm = await measured();
	await page.getByLabel('Run on').selectOption('webgpu');
	const gpu = await measured();
	expect(gpu.map((r) => r.density)).toEqual(wasm.map((r) => r.density));
	gpu.forEach((r, i) => expect(Math.abs(r.recall - wasm[i].recall)).toBeLessThan(1e-5));
	// A 32-token window keeps some of the mass, not all: the numbers are measured, not defaults.
	expect(wasm[0].recall).toBeGreaterThan(0.1);
	expect(wasm[0].recall).toBeLessThan(0.99);
	expect(errors).toEqual([]);
});
