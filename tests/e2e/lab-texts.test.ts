import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test';
import { watchErrors } from './console';

const SHORT = 'The ferry leaves the north pier at 7:40. Tickets cost 12 crowns. The harbour master is Ingrid Solberg.';

/** Text controls commit on change, as when the user leaves the field. */
async function enter(page: Page, id: string, text: string) {
	const field = page.locator(`#${id}`);
	await field.fill(text);
	await field.dispatchEvent('change');
}

/** A 1280×800 view around an element, kept as an artifact to look at. */
async function shoot(page: Page, info: TestInfo, name: string, around: Locator) {
	await around.scrollIntoViewIfNeeded();
	await page.screenshot({ path: info.outputPath(name) });
	await info.attach(name, { path: info.outputPath(name), contentType: 'image/png' });
}

async function runOnLabModel(page: Page) {
	await expect(page.getByTestId('lab-model')).toContainText('lab-rope');
	await page.getByTestId('run').click();
	await expect(page.getByTestId('run-verdict')).toContainText('expected');
}

test.describe('tasks on real text', () => {
	test.use({ viewport: { width: 1280, height: 800 } });

	test('your document: paste a text, ask, run on the lab model and see the score', async ({ page }, info) => {
		const errors = watchErrors(page);
		await page.goto('/lab?task=document');
		await enter(page, 'task-doc', SHORT);
		await enter(page, 'task-question', 'What do tickets cost?');
		await enter(page, 'task-answer', '12');
		await expect(page).toHaveURL(/task\.doc=The%20ferry%20leaves/);
		await expect(page.getByTestId('document-inline')).toContainText(`In the link (${SHORT.length} characters)`);
		await expect(page.getByTestId('expected-answer')).toHaveText('12');
		// One byte token per character, and the BOS.
		await expect(page.getByTestId('prompt-tokens')).toHaveText(`${SHORT.length + '\n\nQuestion: What do tickets cost?\nAnswer:'.length + 1} tokens`);
		await expect(page.getByTestId('prompt-text').locator('.token.answer')).toHaveText(['1', '2']);
		await runOnLabModel(page);
		await expect(page.getByTestId('run-verdict')).toContainText('expected 12');
		await expect(page.getByTestId('run-verdict')).toContainText('% of the answer');
		await shoot(page, info, 'lab-document-controls.png', page.locator('#task-doc'));
		await shoot(page, info, 'lab-document-prompt.png', page.getByTestId('task-preview'));

		// Bad input says what is wrong where it was typed.
		await enter(page, 'task-question', '   ');
		await expect(page.getByTestId('task-error')).toContainText('the question is empty');
		await enter(page, 'task-doc', ' ');
		await expect(page.getByTestId('document-status')).toContainText('The document is empty: paste or upload a text.');
		await enter(page, 'task-doc', 'x'.repeat(1_000_001));
		await expect(page.getByTestId('document-status')).toContainText('The document has 1,000,001 characters; the lab takes documents of up to 1,000,000');
		await page.getByTestId('document-file').setInputFiles({ name: 'dump.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3_000_001) });
		await expect(page.getByTestId('document-status')).toContainText('dump.bin is 2.9 MB; the lab takes documents of up to 1,000,000 characters.');
		await page.getByTestId('document-file').setInputFiles({ name: 'nul.txt', mimeType: 'text/plain', buffer: Buffer.from('text\0more') });
		await expect(page.getByTestId('document-status')).toContainText('does not look like text');
		// None of these reached the link.
		await expect(page).toHaveURL(/task\.doc=The%20ferry%20leaves/);
		expect(errors).toEqual([]);
	});

	test('a long document is kept in this browser by hash, survives a reload, and another browser is told it lacks it', async ({ page, browser }, info) => {
		const errors = watchErrors(page);
		const long = `${SHORT}\n\n${'The pier is long and the water is cold. '.repeat(155)}`;
		await page.goto('/lab?task=document&task.question=Who+is+the+harbour+master%3F&task.answer=Ingrid+Solberg');
		await page.getByTestId('document-file').setInputFiles({ name: 'harbour.txt', mimeType: 'text/plain', buffer: Buffer.from(long) });
		await expect(page.getByTestId('document-stored')).toContainText(`Kept in this browser, not in the link (${long.length.toLocaleString('en-US')} characters)`);
		// The codec may keep ":" readable or escape it.
		await expect(page).toHaveURL(/task\.doc=sha256(:|%3A)[0-9a-f]{64}&/);
		const link = page.url();
		expect(link.length).toBeLessThan(2000);

		await page.reload();
		await expect(page.getByTestId('document-stored')).toBeVisible();
		await expect(page.locator('#task-doc')).toHaveValue(long);
		await expect(page.getByTestId('stored-document')).toBeVisible();
		await expect(page.getByTestId('prompt-text').locator('.token.answer').first()).toHaveText('I');
		await runOnLabModel(page);
		await expect(page.getByTestId('run-verdict')).toContainText('expected Ingrid Solberg');
		await shoot(page, info, 'lab-document-stored.png', page.locator('#task-doc'));

		const other = await browser.newContext();
		const fresh = await other.newPage();
		await fresh.setViewportSize({ width: 1280, height: 800 });
		await fresh.goto(link);
		await expect(fresh.getByTestId('document-missing')).toContainText('that this browser does not have');
		await expect(fresh.getByTestId('task-error')).toContainText('which is not stored here');
		await shoot(fresh, info, 'lab-document-missing.png', fresh.getByTestId('document-missing'));
		await other.close();
		expect(errors).toEqual([]);
	});

	test('the books haystack, and a zoomed heatmap labelled with the model\'s tokens', async ({ page }, info) => {
		const errors = watchErrors(page);
		await page.goto('/lab?task=niah&task.haystack=books&len=1024&seed=4&views=heatmap');
		await expect(page.getByTestId('prompt-tokens')).toHaveText('1024 tokens');
		// Seed 4 starts at Emerson's "Compensation".
		await expect(page.getByTestId('prompt-text')).toContainText('The wings of Time are black and white');
		await expect(page.getByTestId('prompt-text')).toContainText('One of the special magic numbers for');
		await shoot(page, info, 'lab-books.png', page.getByTestId('task-preview'));

		await runOnLabModel(page);
		const heatmap = page.getByTestId('heatmap');
		await expect(page.getByTestId('axis-keys')).toHaveCount(0);
		await heatmap.getByRole('button', { name: 'Zoom: last queries on the needle' }).click();
		const keys = page.getByTestId('axis-keys');
		await expect(keys).toBeVisible();
		await expect(page.getByTestId('axis-queries')).toBeVisible();
		// The byte tokenizer's labels: a space is drawn as ␣.
		await expect(keys.locator('li').filter({ hasText: '␣' }).first()).toBeVisible();
		await heatmap.scrollIntoViewIfNeeded();
		const box = (await heatmap.locator('canvas').boundingBox())!;
		await page.mouse.move(box.x + box.width / 2, box.y + box.height - 2);
		await expect(heatmap.locator('figcaption')).toContainText(/query \d+ “.+” → key \d+ “.+”/);
		await heatmap.screenshot({ path: info.outputPath('heatmap-tokens.png') });
		await info.attach('heatmap-tokens.png', { path: info.outputPath('heatmap-tokens.png'), contentType: 'image/png' });
		expect(errors).toEqual([]);
	});
});
