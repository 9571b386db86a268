/**
 * LM-Infinite's distance cap: keys farther than the cap are seen as exactly `cap` away, by
 * rotating the query to angle `cap` against un-rotated keys (`models/llama.py`). Nearer keys
 * keep their true distance, so d_eff = min(i − j, cap).
 */
import { ropeOnly, trainedContext } from './rope-scaling';
import type { PositionScheme } from '../types';
import { lmInfinite } from '../papers';

export const distanceCap: PositionScheme = {
	id: 'distance-cap',
	name: 'Distance cap (LM-Infinite)',
	summary: 'No key is ever farther than the trained length: distances beyond the cap count as the cap.',
	paper: lmInfinite,
	params: { cap: { kind: 'int', label: 'Cap', unit: 'tokens', description: '0 = the model\'s trained context (the paper\'s choice).', min: 0, max: 1048576, default: 0 } },
	refuse: (_p, config) => ropeOnly(config, 'The distance cap'),
	plan: (p, config, ctx) => {
		const cap = trainedContext(p.cap as number, config);
		return {
			far: {
				fromDistance: cap,
				query: new Float64Array(ctx.queryPositions.length).fill(cap),
				keys: (_h, original) => new Float64Array(original.length)
			}
		};
	}
};
