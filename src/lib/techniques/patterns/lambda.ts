import { sinkAndWindowReads, sinkAndWindowMask } from './shapes';
import type { AttentionPattern } from '../types';
import { lmInfinite } from '../papers';

export const lambdaShape: AttentionPattern = {
	id: 'lambda',
	name: 'Λ-shape (LM-Infinite)',
	summary: 'A global branch (the first tokens) plus a local branch (the nearest tokens); pair it with the distance cap position scheme as the paper does.',
	paper: lmInfinite,
	params: {
		global: { kind: 'int', label: 'Global branch', unit: 'tokens', description: 'The paper uses 10 (10–100 behave alike).', min: 0, max: 1024, default: 10 },
		local: { kind: 'int', label: 'Local branch', unit: 'tokens', description: 'The paper uses the pre-training length (2048–4096).', min: 1, max: 131072, default: 256 }
	},
	perHead: false,
	decodeReads: (p, n) => sinkAndWindowReads(p.global as number, p.local as number, n),
	rule: (p) => ({ sinks: p.global as number, window: p.local as number }),
	mask: (p, grid) => sinkAndWindowMask(grid, p.global as number, p.local as number)
};
