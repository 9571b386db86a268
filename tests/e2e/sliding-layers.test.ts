import { expect, test } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { familyModel } from '../fixtures/families';
import { watchErrors } from './console';

// Gemma 3 mixes sliding layers (here 0 and 1, window 5) with a full one (2): the views say which is which.
function gemmaFiles(): string[] {
	const dir = mkdtempSync(join(tmpdir(), 'tiny-gemma3-'));
	const model = familyModel('gemma3', { overrides: { vocab_size: 259, tokenizer: 'bytes', max_position_embeddings: 4096 } });
	writeFileSync(join(dir, 'config.json'), JSON.stringify(model.config));
	writeFileSync(join(dir, 'model.safetensors'), model.safetensors);
	return [join(dir, 'config.json'), join(dir, 'model.safetensors')];
}

test('a Gemma-style model shows its sliding layers in the head grid and the heatmap', async ({ page }) => {
	const errors = watchErrors(page);
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.goto('/lab?model=tiny-gemma3&task=passkey&seed=1&len=128&views=heatmap,heads');
	await page.getByTestId('model-files').setInputFiles(gemmaFiles());
	await expect(page.getByTestId('lab-model')).toBeVisible();
	await page.getByTestId('run').click();
	const grid = page.getByTestId('head-grid');
	await expect(grid.locator('tbody th')).toHaveText(['0 · window 5', '1 · window 5', '2']);
	await expect(page.getByText('RoPE θ = 1,000,000 on 1 layer;')).toBeVisible();
	// The captured head is in layer 0, a sliding layer.
	await expect(page.getByTestId('sliding-layer')).toContainText('Layer 0 slides: each query sees only its last 5 keys');
	await page.getByTestId('sliding-layer').scrollIntoViewIfNeeded();
	await page.screenshot({ path: 'test-results/sliding-layers.png' });
	expect(errors).toEqual([]);
});
