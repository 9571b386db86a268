import { sinkAndWindowReads, sinkAndWindowMask, allKept } from './shapes';
import type { AttentionPattern } from '../types';

export const perLayer: AttentionPattern = {
	id: 'per-layer',
	name: 'Per-layer mix (LongGen / MASFormer)',
	summary: 'Full attention in the chosen layers, sinks + window everywhere else.',
	paper: { title: 'LongGen: Scaling Context Length via Hybrid Sparse Attention', year: 2024, url: 'https://arxiv.org/abs/2410.01651' },
	params: {
		full_layers: { kind: 'int-list', label: 'Full layers', description: 'Layer indices (from 0) that keep full attention.', min: 0, max: 511, maxItems: 512, default: [0] },
		sink: { kind: 'int', label: 'Sink tokens', min: 0, max: 1024, default: 4 },
		window: { kind: 'int', label: 'Window', unit: 'tokens', min: 1, max: 131072, default: 64 }
	},
	perHead: false,
	decodeReads: (p, n, config, layer) => {
		const fullLayers = new Set((p.full_layers as number[]).filter((l) => l < config.layers));
		const local = sinkAndWindowReads(p.sink as number, p.window as number, n);
		if (layer !== undefined) return fullLayers.has(layer) ? n : local;
		return (fullLayers.size * n + (config.layers - fullLayers.size) * local) / config.layers;
	},
	refuse: (p, config) => {
		const bad = (p.full_layers as number[]).filter((l) => l >= config.layers);
		return bad.length ? `Layer ${bad.join(', ')} does not exist: the model has layers 0–${config.layers - 1}.` : null;
	},
	rule: (p, grid) => ((p.full_layers as number[]).includes(grid.layer) ? { window: Infinity } : { sinks: p.sink as number, window: p.window as number }),
	mask: (p, grid) =>
		(p.full_layers as number[]).includes(grid.layer) ? allKept(grid) : sinkAndWindowMask(grid, p.sink as number, p.window as number)
};
