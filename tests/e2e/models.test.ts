import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { watchErrors } from './console';

const FIXTURE = 'tests/fixtures/tiny-gqa';

test('a model loaded from files runs in the worker and shows progress and generated tokens', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/models');
	await page.getByTestId('model-files').setInputFiles([`${FIXTURE}/config.json`, `${FIXTURE}/model.safetensors`]);
	const card = page.getByTestId('model-card');
	await expect(card).toContainText('32,096');
	await expect(card).toContainText('4 query, 2 key/value, 8 dims each');

	// Record every progress phase the page shows while generating.
	await page.evaluate(() => {
		const seen = new Set<string>();
		(window as unknown as { phases: Set<string> }).phases = seen;
		// Read from each record's element, which keeps its attributes even when the bar is gone by
		// the time the observer runs (a fast decode can end within one batch of mutations).
		const phaseOf = (node: Node) => (node instanceof Element ? (node.matches('progress') ? node : node.querySelector('progress'))?.getAttribute('data-phase') : null);
		new MutationObserver((records) => {
			for (const record of records) {
				for (const node of [record.target, ...record.addedNodes]) {
					const phase = phaseOf(node);
					if (phase) seen.add(phase);
				}
			}
		}).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] });
	});
	await page.getByLabel('Prompt').fill('The pass key is 12345.');
	await page.getByLabel('New tokens').fill('24');
	await page.getByRole('button', { name: 'Generate' }).click();
	const tokens = page.getByTestId('generated-tokens');
	await expect(tokens).toBeVisible();
	expect((await tokens.textContent())!.split(', ')).toHaveLength(24);
	// A progress bar showed while the model ran. Which phases it got to draw is a matter of timing:
	// progress comes on its own message channel, which the result can overtake.
	const phases = await page.evaluate(() => [...(window as unknown as { phases: Set<string> }).phases]);
	expect(phases.length).toBeGreaterThan(0);
	await expect(page.getByText(/ms per generated token/)).toBeVisible();
	expect(errors).toEqual([]);
});

test('broken model files give a clear message and the page keeps working', async ({ page }, info) => {
	await page.goto('/models');
	const broken = info.outputPath('model.safetensors');
	writeFileSync(broken, new Uint8Array([1, 2, 3]));
	await page.getByTestId('model-files').setInputFiles([`${FIXTURE}/config.json`, broken]);
	await expect(page.getByTestId('run-error')).toContainText('The file is 3 bytes long');
	// A good model still loads afterwards.
	await page.getByTestId('model-files').setInputFiles([`${FIXTURE}/config.json`, `${FIXTURE}/model.safetensors`]);
	await expect(page.getByTestId('model-card')).toBeVisible();
	await expect(page.getByTestId('run-error')).toHaveCount(0);
});

test('a long generation can be cancelled and the model stays usable', async ({ page }) => {
	await page.goto('/models');
	await page.getByTestId('model-files').setInputFiles([`${FIXTURE}/config.json`, `${FIXTURE}/model.safetensors`]);
	await expect(page.getByTestId('model-card')).toBeVisible();
	await page.getByLabel('New tokens').fill('4096');
	await page.getByRole('button', { name: 'Generate' }).click();
	await expect(page.locator('progress[data-phase="decode"]')).toBeVisible();
	await page.getByRole('button', { name: 'Cancel' }).click();
	await expect(page.getByTestId('run-error')).toContainText('The run was cancelled.');
	await page.getByLabel('New tokens').fill('3');
	await page.getByRole('button', { name: 'Generate' }).click();
	await expect(page.getByTestId('generated-tokens')).toBeVisible();
	expect((await page.getByTestId('generated-tokens').textContent())!.split(', ')).toHaveLength(3);
});

test('the WebGPU execution provider generates the same tokens as WASM', async ({ page }) => {
	await page.goto('/models');
	test.skip(!(await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()))), 'no WebGPU adapter here');
	const files = [`${FIXTURE}/config.json`, `${FIXTURE}/model.safetensors`];
	const generateTokens = async () => {
		await page.getByLabel('New tokens').fill('8');
		await page.getByRole('button', { name: 'Generate' }).click();
		// SwiftShader (the software WebGPU adapter of CI) is slow: allow it time.
		await expect(page.getByTestId('generated-tokens')).toBeVisible();
		return page.getByTestId('generated-tokens').textContent();
	};
	await page.getByTestId('model-files').setInputFiles(files);
	const wasm = await generateTokens();
	await page.getByLabel('Run on').selectOption('webgpu');
	await expect(page.getByTestId('model-card')).toContainText('WebGPU');
	expect(await generateTokens()).toBe(wasm);
});

test("a model whose config scales RoPE shows its own positions, and a position scheme that cannot build on them says why", async ({ page }) => {
	// tiny-llama3 is tiny-gqa's config with Llama 3.2's rope_scaling; the weights are tiny-gqa's.
	const files = ['tests/fixtures/tiny-llama3/config.json', `${FIXTURE}/model.safetensors`];
	await page.goto('/models');
	await page.getByTestId('model-files').setInputFiles(files);
	await expect(page.getByTestId('model-card')).toContainText('native: llama3 ×32 from 8,192 (RoPE θ = 500,000)');
	await expect(page.getByTestId('model-card')).toContainText('131,072 tokens');

	await page.goto('/lab?model=tiny-llama3&pos=yarn');
	await page.getByTestId('model-files').setInputFiles(files);
	await expect(page.getByTestId('native-positions')).toHaveText('native: llama3 ×32 from 8,192 (RoPE θ = 500,000); trained context 131,072 tokens');
	await expect(page.getByTestId('refusals')).toContainText('No paper defines YaRN on top of llama3 scaling');
	await page.getByLabel('Position scheme').selectOption('self-extend');
	await expect(page.getByTestId('refusals')).toHaveCount(0);
});
