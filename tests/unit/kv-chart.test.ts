import { describe, expect, it } from 'vitest';
import { analyticKv, readEqualsResident } from '../../src/lib/components/kv-chart';
import { findModelPreset } from '../../src/lib/cost';
import { catalog, decodeQuery } from '../../src/lib/experiment';

const llama = findModelPreset('llama-3-8b')!.config;
const experiment = (query: string) => decodeQuery(query, catalog).experiment;

describe('KV chart data', () => {
	it('full KV: resident and read coincide, at 128 KiB per token for Llama 3 8B in fp16', () => {
		const points = analyticKv('A', experiment(''), llama, 1024, 'fp16', 4);
		// 32 layers · 8 KV heads · 128 dims · (K and V) · 2 bytes = 131 072 B per token.
		expect(points.filter((p) => p.measure === 'resident').map((p) => p.bytes)).toEqual([1, 256, 512, 768, 1024].map((n) => n * 131072));
		expect(readEqualsResident(points, 'A')).toBe(true);
	});
	it('a sliding window reads less than the cache holds, so the lines part', () => {
		const points = analyticKv('B', experiment('attn=window&attn.window=128'), llama, 1024, 'fp16', 4);
		expect(readEqualsResident(points, 'B')).toBe(false);
		expect(points.find((p) => p.measure === 'read' && p.tokens === 1024)!.bytes).toBe(128 * 131072);
		// No A series in these points: nothing to coincide.
		expect(readEqualsResident(points, 'A')).toBe(false);
	});
});
