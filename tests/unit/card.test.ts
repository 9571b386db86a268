import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeCard } from '../../training/card';
import { encodePng } from '../../training/png';

describe('model card tooling', () => {
	it('writes valid PNGs (signature, IHDR, pixel rows)', () => {
		const png = encodePng(2, 1, Uint8Array.of(255, 0, 0, 0, 0, 255));
		expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
		const view = new DataView(png.buffer);
		expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
		expect([view.getUint32(16), view.getUint32(20)]).toEqual([2, 1]);
		const idatLength = view.getUint32(33);
		expect(Array.from(inflateSync(png.subarray(41, 41 + idatLength)))).toEqual([0, 255, 0, 0, 0, 0, 255]);
	});

	it('writes card.json, README.md and two heatmaps measured by the engine', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'card-'));
		cpSync('tests/fixtures/tiny-gqa', dir, { recursive: true });
		const card = await writeCard(dir, null, 1);
		expect(card.parameters).toBe(32096);
		expect(card.heatmaps).toHaveLength(2);
		for (const file of [...card.heatmaps, 'card.json', 'README.md']) expect(existsSync(join(dir, file))).toBe(true);
		expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('Passkey at the trained length');
	}, 60_000);
});
