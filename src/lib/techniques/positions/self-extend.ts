/**
 * SelfExtend (`self_extend_patch/Llama.py`): two attention maps merged by distance. Neighbours
 * (i − j < W) use exact positions; farther keys use grouped positions ⌊p/G⌋, with the query
 * shifted by W − W/G so the two maps meet at distance W. Keys are re-rotated from the
 * un-rotated cache, as the reference does.
 */
import { ropeOnly } from './rope-scaling';
import type { PositionScheme } from '../types';

export const selfExtend: PositionScheme = {
	id: 'self-extend',
	name: 'SelfExtend',
	summary: 'Exact positions for nearby keys, grouped (floor-divided) positions for distant ones: no training needed.',
	paper: { title: 'LLM Maybe LongLM: Self-Extend LLM Context Window Without Tuning', year: 2024, url: 'https://arxiv.org/abs/2401.01325' },
	params: {
		group: { kind: 'int', label: 'Group size G', description: 'The reference example uses 32; README suggests 2–64.', min: 1, max: 1024, default: 4 },
		window: { kind: 'int', label: 'Neighbour window W', unit: 'tokens', description: 'The reference default is 1024.', min: 1, max: 131072, default: 128 }
	},
	refuse: (_p, config) => ropeOnly(config, 'SelfExtend'),
	plan: (p, _config, ctx) => {
		const G = p.group as number;
		const W = p.window as number;
		return {
			far: {
				fromDistance: W,
				query: Float64Array.from(ctx.queryPositions, (q) => Math.floor(q / G) + W - W / G),
				keys: (_h, original) => Float64Array.from(original, (k) => Math.floor(k / G))
			}
		};
	}
};
