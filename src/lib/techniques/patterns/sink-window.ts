import { sinkAndWindowReads, sinkAndWindowMask } from './shapes';
import type { AttentionPattern } from '../types';
import { streamingLlm } from '../papers';

export const sinkWindow: AttentionPattern = {
	id: 'sink-window',
	name: 'Sinks + window (StreamingLLM)',
	summary: 'The first few tokens ("attention sinks") stay visible next to a recent window: window attention stops collapsing.',
	paper: streamingLlm,
	params: {
		sink: { kind: 'int', label: 'Sink tokens', description: 'The paper keeps 4.', min: 0, max: 1024, default: 4 },
		window: { kind: 'int', label: 'Recent window', unit: 'tokens', description: 'The paper\'s class default is 512.', min: 1, max: 131072, default: 128 }
	},
	perHead: false,
	decodeReads: (p, n) => sinkAndWindowReads(p.sink as number, p.window as number, n),
	rule: (p) => ({ sinks: p.sink as number, window: p.window as number }),
	mask: (p, grid) => sinkAndWindowMask(grid, p.sink as number, p.window as number)
};
