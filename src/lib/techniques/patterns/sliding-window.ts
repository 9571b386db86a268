import { sinkAndWindowMask } from './shapes';
import type { AttentionPattern } from '../types';
import { longformer } from '../papers';

export const slidingWindow: AttentionPattern = {
	id: 'window',
	name: 'Sliding window',
	summary: 'Each query sees only the last `window` tokens (itself included); nothing older.',
	paper: longformer,
	params: { window: { kind: 'int', label: 'Window', unit: 'tokens', min: 1, max: 131072, default: 128 } },
	perHead: false,
	decodeReads: (p, n) => Math.min(n, p.window as number),
	rule: (p) => ({ window: p.window as number }),
	mask: (p, grid) => sinkAndWindowMask(grid, 0, p.window as number)
};
