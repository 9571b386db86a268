/** The attention bias, checked against hand-written tables, without onnxruntime. */
import { describe, expect, it } from 'vitest';
import { attentionBias, attentionScores } from '$lib/engine/bias';
import type { ModelConfig } from '$lib/engine/config';
import type { LayerContext } from '$lib/engine/hooks';

const X = -Infinity;

function context(config: Partial<ModelConfig>, queries: number[], keys: number[][], window: number | null = null): LayerContext {
	const queryPositions = Int32Array.from(queries);
	return {
		config: { heads: 2, kvHeads: 1, headDim: 4, ...config } as ModelConfig,
		layer: 0,
		phase: 'prefill',
		queryPositions,
		keyPositions: keys.map((k) => Int32Array.from(k)),
		slots: Math.max(...keys.map((k) => k.length)),
		callPositions: queryPositions,
		rowOffset: 0,
		window
	};
}

/** The bias as rows of numbers, one row per (b, t). */
const rows = (bias: Float32Array, S: number) => Array.from({ length: bias.length / S }, (_, r) => Array.from(bias.subarray(r * S, (r + 1) * S)));

describe('attention bias', () => {
	it('is causal, shared by all heads when they hold the same keys, and counts the keys read', () => {
		const ctx = context({}, [2, 3], [[0, 1, 2, 3]]);
		const { bias, B, bytesRead } = attentionBias(ctx, undefined);
		expect(B).toBe(1);
		expect(rows(bias, 4)).toEqual([
			[0, 0, 0, X],
			[0, 0, 0, 0]
		]);
		// The last query reads all 4 keys of the one KV head: 4 keys × 4 dims × (key + value) × 4 bytes.
		expect(bytesRead).toBe(4 * 4 * 2 * 4);
	});

	it('pads a KV head that holds fewer keys, with one row set per query head', () => {
		const ctx = context({ heads: 2, kvHeads: 2 }, [5], [[0, 4, 5], [4, 5]]);
		const { bias, B, bytesRead } = attentionBias(ctx, undefined);
		expect(B).toBe(2);
		expect(rows(bias, 3)).toEqual([
			[0, 0, 0],
			[0, 0, X]
		]);
		expect(bytesRead).toBe((3 + 2) * 4 * 2 * 4);
	});

	it('adds a distance penalty (ALiBi): −slope × distance, per head, by the plan\'s positions', () => {
		const ctx = context({}, [3], [[0, 1, 2, 3]]);
		const { bias, B } = attentionBias(ctx, undefined, { slopes: Float32Array.of(0.5, 0.25), query: ctx.queryPositions, keys: ctx.keyPositions });
		expect(B).toBe(2);
		expect(rows(bias, 4)).toEqual([
			[-1.5, -1, -0.5, -0],
			[-0.75, -0.5, -0.25, -0]
		]);
		// A plan that halves the positions halves the distances; causality still follows the original positions.
		const halved = attentionBias(context({}, [2, 3], [[0, 1, 2, 3]]), undefined, { slopes: Float32Array.of(1, 0.5), query: [1, 1.5], keys: [[0, 0.5, 1, 1.5]] });
		expect(rows(halved.bias, 4)).toEqual([
			[-1, -0.5, -0, X],
			[-1.5, -1, -0.5, -0],
			[-0.5, -0.25, -0, X],
			[-0.75, -0.5, -0.25, -0]
		]);
		expect(() => attentionBias(ctx, undefined, { slopes: Float32Array.of(1), query: ctx.queryPositions, keys: ctx.keyPositions })).toThrow(/1 ALiBi slopes for 2 attention heads/);
	});

	it("applies a hook's mask and reads only the keys some query keeps", () => {
		const ctx = context({}, [2, 3], [[0, 1, 2, 3]]);
		const mask = Uint8Array.of(1, 0, 1, 1, 1, 0, 0, 1);
		const { bias, B, bytesRead } = attentionBias(ctx, { mask, perHead: false });
		expect(B).toBe(1);
		expect(rows(bias, 4)).toEqual([
			[0, X, 0, X],
			[0, X, X, 0]
		]);
		expect(bytesRead).toBe(3 * 4 * 2 * 4);
	});

	it("keeps a sliding layer's queries within transformers' window: position i sees j with i − w < j ≤ i, w keys itself included", () => {
		// transformers (masking_utils.sliding_window_overlay) written out for w = 3: query 4 sees 2, 3, 4; query 5 sees 3, 4, 5.
		const ctx = context({}, [4, 5], [[0, 1, 2, 3, 4, 5]], 3);
		const hf = [
			[X, X, 0, 0, 0, X],
			[X, X, X, 0, 0, 0]
		];
		const plain = attentionBias(ctx);
		expect(rows(plain.bias, 6)).toEqual(hf);
		// The last query reads its window only: 3 keys of the one KV head.
		expect(plain.bytesRead).toBe(3 * 4 * 2 * 4);
		// The slow path (a hook's mask of all ones) draws the same window.
		const masked = attentionBias(ctx, { mask: new Uint8Array(12).fill(1), perHead: false });
		expect(rows(masked.bias, 6)).toEqual(hf);
		// In decode (one query) both paths count the same keys read.
		const step = context({}, [5], [[0, 1, 2, 3, 4, 5]], 3);
		expect(attentionBias(step, { mask: new Uint8Array(6).fill(1), perHead: false }).bytesRead).toBe(attentionBias(step).bytesRead);
		// A head that evicted keys counts what it holds inside the window; a window of 1 is the query alone.
		const evicted = attentionBias(context({ heads: 2, kvHeads: 2 }, [5], [[0, 3, 5], [1, 2, 4, 5]], 3));
		expect(rows(evicted.bias, 4)).toEqual([
			[X, 0, 0, X],
			[X, X, 0, 0]
		]);
		expect(evicted.bytesRead).toBe((2 + 2) * 4 * 2 * 4);
		expect(rows(attentionBias(context({}, [2], [[0, 1, 2]], 1)).bias, 3)).toEqual([[X, X, 0]]);
	});

	it('refuses a mask that leaves a query no key, or has the wrong size', () => {
		const ctx = context({}, [1], [[0, 1]]);
		expect(() => attentionBias(ctx, { mask: Uint8Array.of(0, 0), perHead: false })).toThrow(/every key is masked for the query at position 1/);
		expect(() => attentionBias(ctx, { mask: Uint8Array.of(1), perHead: false })).toThrow(/returned 1 entries; expected 2/);
	});
});

describe('attention scores', () => {
	it('are q·k per query head, each reading its KV head', () => {
		// H = 2 query heads sharing Hkv = 1 KV head; T = 1, S = 2, d = 2.
		const q = Float32Array.of(1, 2, 3, 4);
		const k = Float32Array.of(1, 0, 0, 1);
		expect(Array.from(attentionScores(q, k, 2, 1, 1, 2, 2))).toEqual([1, 2, 3, 4]);
	});
});
