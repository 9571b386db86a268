import { sinkAndWindowMask } from './shapes';
import type { AttentionPattern } from '../types';
import { minference } from '../papers';

export const aShape: AttentionPattern = {
	id: 'a-shape',
	name: 'A-shape (MInference)',
	summary: 'MInference\'s static head pattern for prefill: initial tokens plus a local window; decoding stays dense.',
	paper: minference,
	params: {
		init: { kind: 'int', label: 'Initial tokens', description: 'MInference default 128.', min: 0, max: 4096, default: 16 },
		local: { kind: 'int', label: 'Local window', unit: 'tokens', description: 'MInference default 3968.', min: 1, max: 131072, default: 128 }
	},
	perHead: false,
	phases: ['prefill'],
	// Decoding stays dense.
	decodeReads: (_p, n) => n,
	rule: (p) => ({ sinks: p.init as number, window: p.local as number }),
	mask: (p, grid) => sinkAndWindowMask(grid, p.init as number, p.local as number)
};
