import { describe, expect, it } from 'vitest';
import { attentionComputed } from '../../src/lib/experiment/attention-share';

const run = (density: number, tokensPerLayer: number[], promptTokens: number) => ({
	attention: { density, recall: null },
	pruning: { tokensPerLayer, flopsSaved: tokensPerLayer.map((t) => 1 - t / promptTokens) },
	promptTokens
});

describe('share of attention computed', () => {
	it('is the pattern density when every layer reads the whole prompt', () => {
		expect(attentionComputed(run(1, [256, 256, 256], 256))).toBe(1);
		expect(attentionComputed(run(0.25, [256, 256, 256], 256))).toBe(0.25);
	});
	it('counts the tokens FastV pruned: 256 · 256 · 153 is 78.6 %, not 100 %', () => {
		// Causal entries: 256·257/2 = 32 896 and 153·154/2 = 11 781; (2·32 896 + 11 781) / (3·32 896) = 77 573 / 98 688.
		expect(attentionComputed(run(1, [256, 256, 153], 256))).toBeCloseTo(77573 / 98688, 12);
		expect(attentionComputed(run(1, [256, 256, 153], 256))).toBeCloseTo(0.786, 3);
	});
	it('multiplies in what a sparse pattern reads of the kept tokens', () => {
		// Half of the 11 781 + 2·32 896 entries: 0.5 · 0.78604.
		expect(attentionComputed(run(0.5, [256, 256, 153], 256))).toBeCloseTo(0.5 * (77573 / 98688), 12);
	});
	it('counts a first pass over the whole prompt as its own pass (GemFilter)', () => {
		// 4-token prompt, 2 kept: layer 0 read 4 then 2 rows (10 + 3 entries), layer 1 read 2 (3): 16 / (2 · 10).
		expect(attentionComputed(run(1, [6, 2], 4))).toBeCloseTo(16 / 20, 12);
	});
	it('falls back to the density without per-layer counts', () => {
		expect(attentionComputed(run(0.4, [], 256))).toBe(0.4);
	});
});
