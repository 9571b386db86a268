import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { watchErrors } from './console';

test('a valid link shows its experiment and no problems', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/lab?len=1024&depth=0.25&seed=7');
	await expect(page.locator('#field-len')).toHaveValue('1024');
	await expect(page.locator('#field-depth')).toHaveValue('0.25');
	await expect(page.getByTestId('url-problems')).toHaveCount(0);
	expect(errors).toEqual([]);
});

test('bad parameters are explained on the page and the page keeps working', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/lab?len=-5&attn=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&bogus=1&seed=9');
	const problems = page.getByTestId('url-problems');
	await expect(problems).toBeVisible();
	await expect(problems).toContainText('"len" is "-5", which must be at least 16; using the default, 512.');
	await expect(problems).toContainText('not a known attention pattern');
	await expect(problems).toContainText('"bogus" is not a parameter of this lab');
	// Injected markup is shown as text, never run or rendered.
	await expect(problems).toContainText('<img src=x onerror=alert(1)>');
	expect(await page.locator('main img').count()).toBe(0);
	// The valid part survives and the defaults fill the rest.
	await expect(page.locator('#field-len')).toHaveValue('512');
	await expect(page.locator('#slot-attn')).toHaveValue('full');
	await expect(page.locator('#field-seed')).toHaveValue('9');

	// The page still works: the corrected link loads cleanly and keeps the seed.
	await problems.getByRole('link', { name: 'Use this corrected link' }).click();
	await expect(page.getByTestId('url-problems')).toHaveCount(0);
	expect(new URL(page.url()).searchParams.get('seed')).toBe('9');
	expect(errors).toEqual([]);
});

test('a link with hundreds of problems shows the first few, counts the rest, and escapes what it echoes', async ({ page }) => {
	const errors = watchErrors(page);
	const keys = Array.from({ length: 700 }, (_, i) => `x%E2%80%AE${i}=1`).join('&');
	await page.goto(`/lab?seed=-0&${keys}`);
	const problems = page.getByTestId('url-problems');
	await expect(problems.locator('h2')).toHaveText('This link has 700 problems');
	await expect(problems.locator('li')).toHaveCount(6);
	await expect(problems.locator('li').first()).toHaveText('"x\\u{202E}0" is not a parameter of this lab and was ignored.');
	await expect(problems.getByTestId('more-problems')).toHaveText('and 695 more.');
	await expect(page.locator('#field-seed')).toHaveValue('0');
	expect(errors).toEqual([]);
});

test('the canonical link reproduces the same experiment id', async ({ page, context }) => {
	await page.goto('/lab?seed=42&depth=0.75');
	const hash = await page.getByTestId('experiment-hash').textContent();
	const href = await page.getByTestId('canonical-link').getAttribute('href');
	const fresh = await context.newPage();
	await fresh.goto(href!);
	await expect(fresh.getByTestId('experiment-hash')).toHaveText(hash!);
	await expect(fresh.getByTestId('url-problems')).toHaveCount(0);
});

test('the lab shows the generated prompt with its needle marked', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/lab?task=passkey&task.digits=7&len=1024&depth=0.25&seed=3');
	const preview = page.getByTestId('task-preview');
	await expect(preview.getByTestId('prompt-tokens')).toHaveText('1024 tokens');
	const answer = (await preview.getByTestId('expected-answer').textContent())!;
	expect(answer).toMatch(/^\d{7}$/);
	await expect(preview.locator('mark.needle').first()).toContainText(`The pass key is ${answer}.`);
	expect(errors).toEqual([]);
});

test('a task that cannot fit its length explains why', async ({ page }) => {
	await page.goto('/lab?task=niah&task.keys=16&len=256');
	await expect(page.getByTestId('task-error')).toContainText('too short');
	// The rest of the page still works.
	await expect(page.locator('#field-len')).toHaveValue('256');
});

test('controls rewrite the link, and a run on a loaded model reports its result', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/lab?model=tiny-gqa&task=passkey&len=256&seed=4');
	await page.locator('#slot-attn').selectOption('sink-window');
	await expect(page).toHaveURL(/attn=sink-window&attn\.sink=4&attn\.window=128/);
	await page.locator('#attn-window').fill('32');
	await page.locator('#attn-window').blur();
	await expect(page).toHaveURL(/attn\.window=32/);
	await page.locator('#slot-kv').selectOption('snapkv');
	await expect(page).toHaveURL(/kv=snapkv&kv\.ratio=0\.5/);

	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await expect(page.getByTestId('lab-model')).toContainText('2 layers');
	await page.getByTestId('run').click();
	const verdict = page.getByTestId('run-verdict');
	await expect(verdict).toContainText('expected');
	// Random weights do not know the pass key; the run still completes with real numbers.
	await expect(verdict).toHaveAttribute('data-correct', 'false');
	await expect(page.getByTestId('run-summary')).toContainText('Attention computed');
	await expect(page.getByTestId('kv-resident')).toContainText('KiB');
	// The heatmap of the chosen head, with the pattern's masked cells.
	const heatmap = page.getByTestId('heatmap');
	await expect(heatmap).toHaveAttribute('data-layer', '0');
	// 256 prompt rows, then one row per decode step (over the keys the generated tokens added).
	await expect(heatmap.locator('figcaption')).toContainText(/\d+ queries × \d+ keys/);
	const rowsShown = Number(/(\d+) queries × (\d+) keys/.exec((await heatmap.locator('figcaption').textContent())!)![1]);
	const decodeSteps = rowsShown - 256;
	expect(decodeSteps).toBeGreaterThan(0);
	await expect(heatmap.getByTestId('decode-rows')).toContainText(`The last ${decodeSteps} rows are the decode steps (positions from 256 on)`);
	const canvas = heatmap.locator('canvas');
	const box = (await canvas.boundingBox())!;
	await canvas.hover({ position: { x: box.width * 0.9, y: box.height * 0.95 } });
	await expect(heatmap.locator('figcaption')).toContainText('→ key');
	// Dragging zooms to a region; the needle button zooms to the last queries over the needle.
	const last = rowsShown - 1;
	await expect(heatmap.getByTestId('heatmap-region')).toContainText(`Showing queries 0–${last} × keys 0–${last}`);
	await canvas.hover({ position: { x: box.width * 0.5, y: box.height * 0.5 } });
	await page.mouse.down();
	await canvas.hover({ position: { x: box.width * 0.75, y: box.height * 0.75 } });
	await page.mouse.up();
	await expect(heatmap.getByTestId('heatmap-region')).not.toContainText(`queries 0–${last} × keys 0–${last}`);
	await heatmap.getByTestId('zoom-reset').click();
	await heatmap.getByRole('button', { name: /last queries on the needle/ }).click();
	await expect(heatmap.getByTestId('heatmap-region')).toContainText(`Showing queries ${last - 63}–${last}`);
	// The KV chart draws the analytic curves and the measured points.
	await expect(page.getByTestId('kv-chart').locator('svg').first()).toBeVisible();
	await expect(page.getByTestId('kv-chart')).toContainText('resident (measured)');
	const [svg] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-kv-svg').click()]);
	expect(readFileSync(await svg.path(), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
	const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-kv-png').click()]);
	expect(png.suggestedFilename()).toBe('longscope-kv.png');
	expect([...readFileSync(await png.path()).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
	const [heatmapSvg] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-heatmap-svg').click()]);
	expect(readFileSync(await heatmapSvg.path(), 'utf8')).toMatch(/^<svg[^>]*><title>Attention of layer \d, head \d<\/title><image [^>]*href="data:image\/png;base64,/);
	// The run exports as a JSON manifest with the runtime and the link.
	const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
	const manifest = JSON.parse(readFileSync(await download.path(), 'utf8'));
	expect(manifest.ortVersion).toBe('1.30.0');
	expect(manifest.link).toContain('attn=sink-window');
	expect(manifest.result.kv.residentBytes).toBeGreaterThan(0);
	// Measured and roofline latency side by side.
	// A measured duration; its size (µs, ms or s) depends on the machine's load, so only its form is checked.
	await expect(page.getByTestId('measured-prefill')).toHaveText(/^\d+(\.\d+)? (µs|ms|s)$/);
	await page.getByTestId('latency').getByLabel('Hardware preset').selectOption('a100');
	await expect(page.getByTestId('latency')).toContainText('NVIDIA A100 80GB SXM');
	// The head grid can show which MInference shape fits each head.
	await page.getByTestId('head-grid').getByLabel('Colour by').selectOption('pattern');
	await expect(page.getByTestId('head-grid').getByRole('button', { name: /Layer 0 head 0: Best-fitting MInference shape/ })).toHaveText(/^(A|VS|BS) \d+ %$/);
	await page.getByTestId('head-grid').getByLabel('Colour by').selectOption('sinkMass');
	const [heads] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-heads-csv').click()]);
	const rows = readFileSync(await heads.path(), 'utf8').trim().split('\n');
	expect(rows[0]).toBe('layer,head,sink_mass,entropy,distance,retrieval,best_shape');
	expect(rows).toHaveLength(1 + 2 * 4);
	// Choosing a head in the grid shows its map.
	await page.getByTestId('head-grid').getByRole('button', { name: /Layer 1 head 2:/ }).click();
	await expect(page.getByTestId('heatmap')).toHaveAttribute('data-layer', '1');
	await expect(page.getByTestId('heatmap')).toHaveAttribute('data-head', '2');
	expect(errors).toEqual([]);
});

test('an out-of-range value typed into a control is explained and not applied', async ({ page }) => {
	await page.goto('/lab?len=512');
	await page.locator('#field-len').fill('5');
	await page.locator('#field-len').blur();
	await expect(page.getByRole('alert').filter({ hasText: 'Context length must be at least 16' })).toBeVisible();
	expect(new URL(page.url()).searchParams.get('len')).toBe('512');
});

test('A/B: B copies A, changes one technique, and both runs are compared', async ({ page }) => {
	const errors = watchErrors(page);
	await page.goto('/lab?model=tiny-gqa&task=passkey&len=256&seed=2');
	await page.getByTestId('compare').check();
	await expect(page).toHaveURL(/&b\.attn=full/);
	await page.locator('#b-slot-attn').selectOption('window');
	await expect(page).toHaveURL(/&b\.attn=window&b\.attn\.window=128/);
	await page.locator('#b-attn-window').fill('16');
	await page.locator('#b-attn-window').blur();
	await expect(page).toHaveURL(/b\.attn\.window=16/);

	// The link reproduces both sides in a fresh page.
	const link = page.url();
	const fresh = await page.context().newPage();
	await fresh.goto(link);
	await expect(fresh.locator('#b-attn-window')).toHaveValue('16');
	await fresh.close();

	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await expect(page.getByTestId('lab-model')).toBeVisible();
	await page.getByTestId('run').click();
	const table = page.getByTestId('ab-difference');
	await expect(table).toBeVisible();
	await expect(table.getByRole('row', { name: /Attention computed/ })).toContainText('100.0 %');
	await expect(page.getByTestId('heatmap')).toHaveCount(2);
	expect(errors).toEqual([]);
});

test('A/B on the lab model: sinks + a small window lose a passkey that full attention finds, and the table says so', async ({ page }) => {
	const errors = watchErrors(page);
	// The needle sits mid-prompt, far outside B's 32 recent keys.
	await page.goto('/lab?task=passkey&len=256&depth=0.5&seed=800002&b.attn=sink-window&b.attn.sink=4&b.attn.window=32');
	await expect(page.getByTestId('lab-model')).toContainText('lab-rope');
	await expect(page.getByTestId('compare')).toBeChecked();
	await page.getByTestId('run').click();
	const verdict = page.getByTestId('ab-difference').getByRole('row', { name: /Answer correct/ });
	await expect(verdict).toBeVisible();
	await expect(verdict.locator('td')).toHaveText(['yes', 'no', 'B breaks it']);
	expect(errors).toEqual([]);
});

test('views can be hidden, the needle grid runs, and the ablation compares masked heads', async ({ page }) => {
	await page.goto('/lab?model=tiny-gqa&task=passkey&len=200&seed=1');
	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await expect(page.getByTestId('lab-model')).toBeVisible();
	const hash = await page.getByTestId('experiment-hash').textContent();
	await page.getByRole('checkbox', { name: 'KV memory' }).uncheck();
	await expect(page).toHaveURL(/views=heatmap,heads,retrieval,needle,latency/);
	await expect(page.getByTestId('kv-chart')).toHaveCount(0);
	// Views are not part of the run's identity.
	await expect(page.getByTestId('experiment-hash')).toHaveText(hash!);

	await page.getByTestId('run-grid').click();
	const grid = page.getByTestId('needle-grid');
	await expect(grid).toBeVisible();
	await expect(grid.locator('tbody tr')).toHaveCount(3);
	await expect(grid.locator('tbody tr').first().locator('td')).toHaveCount(5);
	const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-grid-csv').click()]);
	expect(readFileSync(await csv.path(), 'utf8').split('\n')[0]).toBe('length,depth,correct,total,partial');

	await page.getByTestId('run').click();
	await expect(page.getByTestId('retrieval-panel')).toBeVisible();
	await page.getByTestId('ablate').click();
	const ablation = page.getByTestId('ablation');
	await expect(ablation).toContainText('random heads masked');
	await expect(ablation).toContainText('none masked');
});

test('changing a toggle changes the heatmap pixels', async ({ page }) => {
	const pixels = () =>
		page.getByTestId('heatmap').locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
			const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
			let sum = 0;
			for (let i = 0; i < data.length; i += 4) sum += data[i];
			return sum;
		});
	await page.goto('/lab?model=tiny-gqa&task=passkey&len=128&seed=1');
	await page.getByTestId('model-files').setInputFiles(['tests/fixtures/tiny-gqa/config.json', 'tests/fixtures/tiny-gqa/model.safetensors']);
	await expect(page.getByTestId('lab-model')).toBeVisible();
	await page.getByTestId('run').click();
	await expect(page.getByTestId('heatmap')).toBeVisible();
	const full = await pixels();
	await page.locator('#slot-attn').selectOption('window');
	await page.locator('#attn-window').fill('8');
	await page.locator('#attn-window').blur();
	await page.getByTestId('run').click();
	await expect.poll(pixels).not.toBe(full);
});
