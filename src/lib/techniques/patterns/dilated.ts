import { maskOf } from './shapes';
import type { AttentionPattern } from '../types';
import { longformer } from '../papers';

export const dilated: AttentionPattern = {
	id: 'dilated',
	name: 'Dilated window',
	summary: 'A window of `window` keys spaced `dilation` apart: the same cost as a window, reaching further back.',
	paper: longformer,
	params: {
		window: { kind: 'int', label: 'Keys per query', min: 1, max: 131072, default: 64 },
		dilation: { kind: 'int', label: 'Dilation', description: 'Gap between attended keys (1 = a plain window).', min: 1, max: 64, default: 2 }
	},
	perHead: false,
	// Distances 0, r, 2r, … below w·r.
	decodeReads: (p, n) => Math.min(p.window as number, Math.floor((n - 1) / (p.dilation as number)) + 1),
	rule: (p) => ({ period: { every: p.dilation as number, reach: (p.window as number) * (p.dilation as number) } }),
	mask: (p, grid) => {
		const w = p.window as number;
		const r = p.dilation as number;
		return maskOf(grid, (i, j) => (i - j) % r === 0 && i - j < w * r);
	}
};
