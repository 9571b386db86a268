import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './console';

// Studies started from a view (head ablation, needle grid) report through the lab's run status.

async function openWithTinyModel(page: Page, query: string) {
	await page.goto(`/lab?model=tiny-gqa&task=passkey&seed=1&${query}`);
	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await expect(page.getByTestId('lab-model')).toBeVisible();
}

test('the head ablation shows its progress, can be cancelled, and the lab runs again afterwards', async ({ page }) => {
	const errors = watchErrors(page);
	await openWithTinyModel(page, 'len=2048&views=retrieval');
	await page.getByTestId('run').click();
	await page.getByTestId('ablate').click();
	await expect(page.getByTestId('run-status').locator('progress')).toBeVisible();
	await expect(page.getByTestId('ablate')).toBeDisabled();
	await page.getByRole('button', { name: 'Cancel' }).click();
	await expect(page.getByTestId('run-error')).toContainText('The run was cancelled.');
	await expect(page.getByTestId('ablate')).toBeEnabled();
	await expect(page.getByTestId('ablation')).toHaveCount(0);

	await page.locator('#field-len').fill('128');
	await page.locator('#field-len').blur();
	await page.getByTestId('run').click();
	await expect(page.getByTestId('summary-prompt-tokens')).toHaveText('128');
	await expect(page.getByTestId('run-error')).toHaveCount(0);
	expect(errors).toEqual([]);
});

test('the needle grid shows its progress, can be cancelled midway, and runs to its end when left alone', async ({ page }) => {
	const errors = watchErrors(page);
	await openWithTinyModel(page, 'len=1024&views=needle');
	await page.getByTestId('run-grid').click();
	await expect(page.getByTestId('run-status').locator('progress')).toBeVisible();
	await page.getByRole('button', { name: 'Cancel' }).click();
	await expect(page.getByTestId('run-error')).toContainText('The run was cancelled.');
	await expect(page.getByTestId('run-grid')).toBeEnabled();
	await expect(page.getByTestId('needle-grid')).toHaveCount(0);

	await page.getByTestId('run-grid').click();
	await expect(page.getByTestId('needle-grid')).toBeVisible();
	await expect(page.getByTestId('run-status').locator('progress')).toHaveCount(0);
	expect(errors).toEqual([]);
});
