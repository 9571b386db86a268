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
