import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { watchErrors } from './console';

// Chromium's software WebGPU adapter (--enable-unsafe-webgpu, playwright.config.ts): every kernel
// against the TypeScript reference on random calls over every registry pattern.
test('every GPU kernel agrees with the TypeScript reference on the software adapter', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/kernels?cases=2&seed=1');
	const check = page.getByTestId('kernel-check');
	await expect(check).toHaveAttribute('data-state', /done|failed|unavailable/, { timeout: 200_000 });
	// The whole section on failure: it names each failing kernel and case, or why the check stopped.
	const report = (await check.textContent()) ?? '';
	expect(await check.getAttribute('data-state'), report).toBe('done');
	expect(await check.getAttribute('data-failures'), report).toBe('0');
	for (const kernel of ['attention', 'row statistics', 'pooled map', 'quest pages', 'token-select', 'tile skipping']) {
		await expect(page.locator(`[data-kernel="${kernel}"]`)).toBeVisible();
	}
	expect(errors).toEqual([]);
});

test('on WebGPU a sparse pattern runs on the kernels, answers as on WASM, and the footer and manifest say which path ran', async ({ page }) => {
	// Beyond 1 024 tokens, where the lab stops fitting MInference's shapes to every head (which reads
	// all their probabilities, so those calls stay on onnxruntime).
	await page.goto('/lab?task=passkey&len=1100&depth=0.5&seed=800002&attn=sink-window&attn.sink=4&attn.window=64');
	test.skip(!(await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()))), 'no WebGPU adapter here');
	const errors = watchErrors(page);
	const shown = async () => ({
		answer: await page.getByTestId('run-verdict').textContent(),
		computed: await page.getByTestId('attention-computed').textContent()
	});
	const heatmapPixels = () =>
		page.evaluate(() => {
			const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="heatmap"] canvas')!;
			return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
		});
	const run = async () => {
		await expect(page.getByTestId('run')).toBeEnabled();
		await page.getByTestId('run').click();
	};
	// On WASM, the default.
	await expect(page.getByTestId('lab-model')).toBeVisible();
	if (!(await page.getByTestId('run-summary').isVisible())) await run();
	await expect(page.getByTestId('attention-path')).toContainText('WASM');
	const wasm = await shown();
	const wasmMap = await heatmapPixels();

	// The model reloads on WebGPU (the footer forgets the last run's path); Run computes the link again.
	await page.getByLabel('Run on').selectOption('webgpu');
	await expect(page.getByTestId('attention-path')).toHaveCount(0);
	await run();
	// Every call, the heatmap's head included (its cells pooled on the GPU), ran on the kernels.
	await expect(page.getByTestId('attention-path')).toHaveText("Last run's attention: WebGPU kernels");
	expect(await shown()).toEqual(wasm);
	// The same heatmap: colours within 2 levels (f32 sums in another order), pixel by pixel.
	const gpuMap = await heatmapPixels();
	expect(gpuMap.length).toBe(wasmMap.length);
	const differing = gpuMap.filter((value, n) => Math.abs(value - wasmMap[n]) > 2).length;
	expect(differing / gpuMap.length).toBeLessThan(0.001);
	await expect(page.getByTestId('latency')).toContainText('measured here (WebGPU kernels');

	const download = page.waitForEvent('download');
	await page.getByTestId('export-json').click();
	const manifest = JSON.parse(await (await (await download).createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString()));
	expect(manifest.attentionPath).toMatch(/attention calls on the kernels/);
	expect(errors).toEqual([]);
});

test('a sweep measures attention-mass recall and density on the kernels as on WASM', async ({ page }) => {
	await page.goto('/sweep?model=lab-rope&task=passkey&len=1100&attn=sink-window&sweep.x=attn.window:32,256&sweep.seeds=1');
	test.skip(!(await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()))), 'no WebGPU adapter here');
	const errors = watchErrors(page);
	const progress = page.getByTestId('sweep-progress');
	/** recall and density of each run, from the sweep's CSV. */
	const measured = async () => {
		await expect(progress).toHaveAttribute('data-done', '0');
		await page.getByTestId('run-sweep').click();
		await expect(progress).toHaveAttribute('data-done', '2', { timeout: 200_000 });
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
	// A narrower window keeps less of the mass: the numbers are measured, not defaults.
	expect(wasm[0].recall).toBeLessThan(wasm[1].recall);
	expect(errors).toEqual([]);
});
