/**
 * StreamingLLM's positions (`pos_shift/modify_llama.py`): distances are measured inside the
 * cache, not in the original text. Keys are re-rotated to their slot 0…n−1 from the un-rotated
 * cache and each query takes the slot of its own key. Pair it with an eviction policy: without
 * eviction, slots equal original positions and nothing changes.
 */
import { countAtMost } from '../../engine/kv-cache';
import { ropeOnly } from './rope-scaling';
import type { PositionScheme } from '../types';
import { streamingLlm } from '../papers';

export const cachePositions: PositionScheme = {
	id: 'cache-positions',
	name: 'Positions within the cache (StreamingLLM)',
	summary: 'Positions are re-assigned inside the (evicted) cache, so the model never sees a distance longer than the cache.',
	paper: streamingLlm,
	params: {},
	refuse: (_p, config) => ropeOnly(config, 'Cache positions'),
	plan: (_p, _config, ctx) => ({
		query: Float64Array.from(ctx.queryPositions, (q) => countAtMost(ctx.keyPositions[0], q) - 1),
		keys: (_h, original) => Float64Array.from(original, (_, slot) => slot)
	})
};
