/**
 * The lab in a browser (issue 25): Chromium, driven by Playwright, opens a link at a long length,
 * presses Run and waits until the run's result and its default views are on the page. Reported
 * beside the CLI's bare prefill at the same length, measured in this run with the same engine.
 * A benchmark, not a test: nothing here passes or fails on time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Page } from '@playwright/test';
import { loadModelDir } from '../src/cli/model-dir';
import { catalog, decodeQuery } from '../src/lib/experiment/index';
import { planMemory, runExperiment } from '../src/lib/experiment/run';
import { median } from './timing';

export const PORT = 4199;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The built app, served as `vite preview` serves it (cross-origin isolated, so WASM runs threads). */
export async function serve(): Promise<ChildProcess> {
	if (spawnSync('npx', ['vite', 'build'], { stdio: 'ignore' }).status !== 0) throw new Error('vite build failed');
	const server = spawn('npx', ['vite', 'preview', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
	for (let i = 0; i < 600; i++) {
		if (await fetch(`http://localhost:${PORT}/`).then((r) => r.ok, () => false)) return server;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error('vite preview did not start');
}

/** The CLI's bare prefill of the same prompt, with the shipped model. */
async function cliPrefill(len: number): Promise<number> {
	const engine = await loadModelDir('static/models/lab-rope');
	const experiment = decodeQuery(`task=passkey&len=${len}&seed=1`, catalog).experiment;
	const { promptIds } = await runExperiment(engine, experiment, { maxNewTokens: 1 });
	const chunkSize = planMemory(engine.config, promptIds.length, 8, undefined, engine.memory);
	const ms = await median(1, () => engine.sequence().prefill(promptIds, { chunkSize }));
	await engine.release();
	return ms;
}

/** Presses Run and waits until the result of `len` prompt tokens and its default views are on the page (ms). */
export async function timeRun(page: Page, len: number): Promise<number> {
	const start = Date.now();
	await page.getByTestId('run').click();
	await page.waitForFunction(
		(n) => document.querySelector('[data-testid=summary-prompt-tokens]')?.textContent === String(n) && document.querySelector('[data-testid=run-label]')?.textContent === 'Run' && !!document.querySelector('[data-testid=heatmap]'),
		len,
		{ polling: 'raf', timeout: 600_000 }
	);
	return Date.now() - start;
}

export async function benchBrowser(lengths = [4096, 16384]) {
	if (!existsSync(CHROMIUM)) {
		console.log(`Browser benchmark skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH).`);
		return;
	}
	const server = await serve();
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-first-run', '--disable-background-networking'] });
	const rows: Record<string, string | number>[] = [];
	try {
		const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		for (const len of lengths) {
			await page.goto(`http://localhost:${PORT}/lab?task=passkey&len=${len}&seed=1`);
			// The model loads first (lab-model names it then); a long run waits for Run, with its estimate.
			await page.getByTestId('lab-model').waitFor({ timeout: 600_000 });
			await page.getByTestId('run-estimate').waitFor();
			const threads = await page.evaluate(() => (globalThis.crossOriginIsolated ? navigator.hardwareConcurrency : 1));
			const browserMs = await timeRun(page, len);
			const cliMs = await cliPrefill(len);
			const target = len <= 4096 ? 2000 : 15000;
			rows.push({ tokens: len, measure: `lab run with default views (${threads} WASM threads) / CLI bare prefill`, ratio: +(browserMs / cliMs).toFixed(2), target: `≤ ${target / 1000} s`, note: `${(browserMs / 1000).toFixed(1)} s in the browser, ${(cliMs / 1000).toFixed(1)} s in the CLI` });
		}
	} finally {
		await browser.close();
		if (server.pid) process.kill(-server.pid);
	}
	console.log('The lab in Chromium (WASM EP) against the CLI with the same model and prompt, in this run.');
	console.table(rows);
}
