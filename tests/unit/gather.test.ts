/**
 * Attention over the slots some query reads: the gathered call must give what the whole call
 * gives, and the gathering helpers move entries where a hand-worked example says.
 */
import { describe, expect, it } from 'vitest';
import { gatherColumns, gatherSlots, scatterColumns, slotsToRead } from '$lib/engine/gather';
import { attentionBias } from '$lib/engine/bias';
import type { LayerContext } from '$lib/engine/hooks';
import type { ModelConfig } from '$lib/engine/config';

describe('choosing the slots to read', () => {
	it('lists the used slots when few enough are used, else says not to gather', () => {
		expect(Array.from(slotsToRead(Uint8Array.from([1, 0, 0, 1, 0, 0, 0, 1]), 0.75)!)).toEqual([0, 3, 7]);
		// 6 of 8 used is 75 %: still worth it; 7 of 8 is not.
		expect(Array.from(slotsToRead(Uint8Array.from([1, 1, 1, 0, 1, 1, 1, 0]), 0.75)!)).toEqual([0, 1, 2, 4, 5, 6]);
		expect(slotsToRead(Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 0]), 0.75)).toBeNull();
	});

	it('moves columns and vectors out and back by hand-worked indices', () => {
		const slots = Int32Array.from([0, 2]);
		// Two rows of three: [1 2 3; 4 5 6] → columns 0 and 2.
		expect(Array.from(gatherColumns(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3, slots))).toEqual([1, 3, 4, 6]);
		expect(gatherColumns(Uint8Array.from([1, 0, 1, 0, 1, 0]), 2, 3, slots)).toBeInstanceOf(Uint8Array);
		// One head, three slots of d = 2: slots 0 and 2.
		expect(Array.from(gatherSlots(Float32Array.from([1, 2, 3, 4, 5, 6]), 1, 3, 2, slots))).toEqual([1, 2, 5, 6]);
		expect(Array.from(scatterColumns(Float32Array.from([0.25, 0.75, 0.5, 0.5]), 2, 3, slots))).toEqual([0.25, 0, 0.75, 0.5, 0, 0.5]);
	});
});

describe('the slots a bias uses', () => {
	const config = { heads: 2, kvHeads: 1, headDim: 4 } as ModelConfig;
	const ctx = (queryPositions: number[], window: number | null): LayerContext =>
		({
			config,
			layer: 0,
			phase: 'prefill',
			queryPositions: Int32Array.from(queryPositions),
			keyPositions: [Int32Array.from({ length: 10 }, (_, i) => i)],
			slots: 10,
			callPositions: Int32Array.from(queryPositions),
			rowOffset: 0,
			window
		}) as LayerContext;

	it('is every causal slot for plain causality, and the window and its sinks for a sinks + window mask', () => {
		// Gathering whatever is used (gatherBelow = 1): plain causality at the end of the cache uses every slot.
		expect(Array.from(attentionBias(ctx([8, 9], null), undefined, undefined, 1).slots!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		// A layer sliding over 3 keys: queries 8 and 9 see 6–8 and 7–9.
		const sliding = attentionBias(ctx([8, 9], 3), undefined, undefined, 1);
		expect(Array.from(sliding.slots!)).toEqual([6, 7, 8, 9]);
		expect(Array.from(sliding.bias)).toEqual([0, 0, 0, -Infinity, -Infinity, 0, 0, 0]);
		// One sink and a window of two: query 8 sees 0, 7, 8; query 9 sees 0, 8, 9.
		const mask = new Uint8Array(20);
		for (const [t, s] of [[0, 0], [0, 7], [0, 8], [1, 0], [1, 8], [1, 9]]) mask[t * 10 + s] = 1;
		const whole = attentionBias(ctx([8, 9], null), { mask, perHead: false });
		expect(whole.slots).toBeNull();
		expect(Array.from(whole.bias.subarray(0, 10))).toEqual([0, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, 0, 0, -Infinity]);
		const { slots, bias, bytesRead } = attentionBias(ctx([8, 9], null), { mask, perHead: false }, undefined, 0.75);
		expect(Array.from(slots!)).toEqual([0, 7, 8, 9]);
		expect(Array.from(bias)).toEqual([0, 0, 0, -Infinity, 0, -Infinity, 0, 0]);
		// Four slots of keys and values, 4 floats each, 4 bytes a float.
		expect(bytesRead).toBe(4 * 4 * 2 * 4);
		// 4 of 10 slots used: not gathered when only 30 % may be.
		expect(attentionBias(ctx([8, 9], null), { mask, perHead: false }, undefined, 0.3).slots).toBeNull();
	});
});

describe('logits of a few query rows', () => {
	it('are exactly those rows of the whole block', async () => {
		const { attentionScores } = await import('$lib/engine/bias');
		const [H, Hkv, T, S, d] = [4, 2, 7, 9, 5];
		const q = Float32Array.from({ length: H * T * d }, (_, i) => Math.sin(i * 1.3));
		const k = Float32Array.from({ length: Hkv * S * d }, (_, i) => Math.cos(i * 0.7));
		const all = attentionScores(q, k, H, Hkv, T, S, d);
		const rows = attentionScores(q, k, H, Hkv, T, S, d, 4, 7);
		for (let h = 0; h < H; h++) expect(Array.from(rows.subarray(h * 3 * S, (h + 1) * 3 * S))).toEqual(Array.from(all.subarray((h * T + 4) * S, (h * T + 7) * S)));
	});
});
