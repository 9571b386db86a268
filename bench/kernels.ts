/**
 * The WebGPU kernels (issue 27) in Chromium: where the browser's adapter is a real GPU, the
 * kernels' attention against onnxruntime-web's WebGPU attention at 4 096 and 16 384 tokens (full,
 * and sinks + window 512), and a lab run with its default views on WebGPU against the same run on
 * WASM. On a software adapter (SwiftShader, as on CI) timings say nothing: correctness only,
 * which the end-to-end tests check. A benchmark, not a test.
 */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { CHROMIUM, PORT, serve, timeRun } from './browser';

const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking'];

export async function benchKernelsInBrowser(lengths = [4096, 16384]) {
	if (!existsSync(CHROMIUM)) {
		console.log(`Kernel benchmark skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH).`);
		return;
	}
	const server = await serve();
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: WEBGPU_ARGS });
	try {
		const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		await page.goto(`http://localhost:${PORT}/`);
		const adapter = await page.evaluate(async () => {
			const found = await navigator.gpu?.requestAdapter();
			if (!found) return null;
			const info = found.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
			return { name: [info.vendor, info.architecture, info.description].filter(Boolean).join(' '), software: info.isFallbackAdapter === true };
		});
		if (!adapter || adapter.software) {
			console.log(`Kernel benchmark: ${adapter ? `${adapter.name} is a software adapter` : 'no WebGPU adapter'}: correctness only (tests/e2e/kernels.test.ts), no timings.`);
			return;
		}
		await page.goto(`http://localhost:${PORT}/kernels?bench=${lengths.join(',')}`);
		await page.getByTestId('kernel-check').and(page.locator('[data-state=done],[data-state=failed]')).waitFor({ timeout: 1_800_000 });
		const rows = await page.locator('[data-bench]').evaluateAll((cells) => cells.map((cell) => JSON.parse(cell.getAttribute('data-bench')!)));
		console.log(`Attention on ${adapter.name}: the kernels against onnxruntime-web's WebGPU attention (dense bias), same page, inputs uploaded and output read back by both.`);
		console.table(
			rows.map((r) => ({
				tokens: r.tokens,
				pattern: r.pattern,
				'kernels ms': +r.kernelMs.toFixed(1),
				'onnxruntime ms': typeof r.ortMs === 'number' ? +r.ortMs.toFixed(1) : r.ortMs,
				'ratio (ORT / kernels)': typeof r.ortMs === 'number' ? +(r.ortMs / r.kernelMs).toFixed(2) : '—',
				'tiles computed': `${(r.tilesComputed * 100).toFixed(1)} %`
			}))
		);

		// Every default view's data: the lab's run at 4 096 tokens on WebGPU (kernels) and on WASM.
		const len = lengths[0];
		const times: Record<string, number> = {};
		for (const provider of ['wasm', 'webgpu']) {
			await page.goto(`http://localhost:${PORT}/lab?task=passkey&len=${len}&seed=1`);
			await page.getByTestId('lab-model').waitFor({ timeout: 600_000 });
			if (provider === 'webgpu') {
				await page.getByLabel('Run on').selectOption('webgpu');
				await page.waitForFunction(() => (document.querySelector('[data-testid=run]') as HTMLButtonElement | null)?.disabled === false);
			}
			times[provider] = await timeRun(page, len);
		}
		console.table([{ tokens: len, measure: 'lab run with default views, WebGPU (kernels) / WASM', ratio: +(times.webgpu / times.wasm).toFixed(2), note: `${(times.webgpu / 1000).toFixed(1)} s on WebGPU, ${(times.wasm / 1000).toFixed(1)} s on WASM` }]);
	} finally {
		await browser.close();
		if (server.pid) process.kill(-server.pid);
	}
}
