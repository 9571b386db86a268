/** How hooks of several parties combine, with tiny hand-made hooks and no model. */
import { describe, expect, it } from 'vitest';
import { composeHooks } from '$lib/engine/compose';
import type { ModelConfig } from '$lib/engine/config';
import type { Hooks, LayerContext, MaskContext } from '$lib/engine/hooks';
import { KvCache } from '$lib/engine/kv-cache';

const config = { heads: 2, kvHeads: 1, headDim: 1, hiddenSize: 2 } as ModelConfig;

function context(positions: number[], layer = 0): LayerContext {
	const queryPositions = Int32Array.from(positions);
	return { config, layer, phase: 'prefill', queryPositions, keyPositions: [queryPositions], slots: positions.length, callPositions: queryPositions, rowOffset: 0, window: null };
}

const maskContext = (positions: number[]): MaskContext => ({ ...context(positions), scores: () => new Float32Array(), vectors: () => ({ queries: new Float32Array(), keys: new Float32Array() }) });

describe('composeHooks', () => {
	it('runs every observer and score observer, in order', () => {
		const seen: string[] = [];
		const composed = composeHooks(
			{ observe: () => seen.push('a'), observeScores: () => seen.push('scores a') },
			{ observe: () => seen.push('b'), wantsProbabilities: () => false },
			{ observe: () => seen.push('c'), observeScores: () => seen.push('scores c') }
		);
		composed.observeScores!(maskContext([0]));
		composed.observe!(context([0]), new Float32Array());
		expect(seen).toEqual(['scores a', 'scores c', 'a', 'c']);
		expect(composed.wantsProbabilities!(context([0]))).toBe(true);
	});

	it('sets only the hooks some party has, so the engine skips the rest', () => {
		expect(Object.keys(composeHooks({ evict: () => {} }, {}))).toEqual(['evict']);
	});

	it('intersects masks, widening a shared row set to per-head where one party is per-head', () => {
		const composed = composeHooks(
			{ attentionMask: () => ({ mask: Uint8Array.of(1, 1, 0, 1), perHead: false }) },
			{ attentionMask: () => undefined },
			{ attentionMask: () => ({ mask: Uint8Array.of(1, 0, 1, 1, 0, 1, 1, 1), perHead: true }) }
		);
		expect(composed.attentionMask!(maskContext([0, 1]))).toEqual({ mask: Uint8Array.of(1, 0, 0, 1, 0, 1, 0, 1), perHead: true });
	});

	it('evicts in order, each party on the cache the previous one left', () => {
		const cache = new KvCache(1, 1, 1);
		const one = new Float32Array(1);
		for (let p = 0; p < 6; p++) cache.head(0, 0).append(one, one, one, 0, p);
		const positions = () => Array.from(cache.head(0, 0).positions.subarray(0, cache.head(0, 0).length));
		const seen: number[][] = [];
		const composed = composeHooks(
			// Keeps every other entry, then the last two of what is left.
			{ evict: ({ cache }) => cache.keep(0, 0, [0, 2, 4]) },
			{ evict: ({ cache }) => (seen.push(positions()), cache.keep(0, 0, [1, 2])) }
		);
		composed.evict!({ config, phase: 'prefill', step: 0, cache });
		expect(seen).toEqual([[0, 2, 4]]);
		expect(positions()).toEqual([2, 4]);
	});

	it('prunes in order: the second party chooses among the rows the first kept, mapped back to the call', () => {
		const hidden = Float32Array.from({ length: 12 }, (_, i) => i);
		let second: { positions: number[]; hidden: number[] } | undefined;
		const composed = composeHooks(
			{ pruneTokens: () => [0, 2, 3, 5] },
			{ pruneTokens: () => undefined },
			{
				pruneTokens: (ctx, h) => {
					second = { positions: Array.from(ctx.queryPositions), hidden: Array.from(h) };
					return [1, 3];
				}
			}
		);
		expect(composed.pruneTokens!(context([10, 11, 12, 13, 14, 15]), hidden)).toEqual([2, 5]);
		expect(second).toEqual({ positions: [10, 12, 13, 15], hidden: [0, 1, 4, 5, 6, 7, 10, 11] });
		expect(composeHooks({ pruneTokens: () => undefined }, {}).pruneTokens!(context([0, 1]), new Float32Array(4))).toBeUndefined();
	});

	it("refuses a party's rows that are not ascending or drop the last token", () => {
		const ctx = context([0, 1, 2]);
		expect(() => composeHooks({ pruneTokens: () => [2, 0] }, { pruneTokens: () => [0] }).pruneTokens!(ctx, new Float32Array(6))).toThrow(/ascending row indices below 3/);
		expect(() => composeHooks({ pruneTokens: () => [0, 1] }, { pruneTokens: () => [0] }).pruneTokens!(ctx, new Float32Array(6))).toThrow(/must keep the last token/);
	});

	it('lets several parties hold positions, but refuses two plans for one call', () => {
		const halve: Hooks = { positions: (ctx) => (ctx.layer === 0 ? { logitScale: 0.5 } : undefined) };
		const onLayerOne: Hooks = { positions: (ctx) => (ctx.layer === 1 ? { logitScale: 2 } : undefined) };
		const composed = composeHooks(halve, onLayerOne);
		expect(composed.positions!(context([0], 0))).toEqual({ logitScale: 0.5 });
		expect(composed.positions!(context([0], 1))).toEqual({ logitScale: 2 });
		expect(composed.positions!(context([0], 2))).toBeUndefined();
		expect(() => composeHooks(halve, halve).positions!(context([0], 0))).toThrow(/Layer 0: 2 techniques each give this attention call its positions/);
	});

	it('lets one party revive tokens and refuses two', () => {
		const revive: Hooks = { revive: () => ({ positions: [3], hidden: new Float32Array(2) }) };
		expect(composeHooks(revive, {}).revive!(context([5]))?.positions).toEqual([3]);
		expect(() => composeHooks(revive, revive)).toThrow(/Two techniques both bring pruned tokens back/);
	});

	it('keeps the `this` of hooks written as methods', () => {
		const counter = {
			calls: 0,
			observeScores() {
				this.calls++;
			}
		};
		composeHooks(counter, {}).observeScores!(maskContext([0]));
		expect(counter.calls).toBe(1);
	});
});
