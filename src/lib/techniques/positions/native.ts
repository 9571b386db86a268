import { blockSpec, type NativePositions } from '../../engine/block';
import type { ModelConfig } from '../../engine/config';
import type { PositionScheme } from '../types';

export const native: PositionScheme = {
	id: 'native',
	name: "Model's own",
	summary: 'Positions exactly as the model was trained: RoPE with its config\'s scaling, ALiBi or none.',
	paper: null,
	params: {},
	refuse: () => null,
	// No plan: the engine then encodes the model's own positions (engine/positions.ts).
	plan: () => undefined
};

const count = (n: number) => n.toLocaleString('en-US');
const times = (factor: number) => `×${+factor.toFixed(3)}`;

function describeLayer(positions: NativePositions): string {
	if (positions.kind === 'alibi') return 'ALiBi';
	if (positions.kind === 'none') return 'none (NoPE)';
	const { base, scaling } = positions;
	const theta = `RoPE θ = ${count(base)}`;
	switch (scaling?.type) {
		case undefined:
			return theta;
		case 'linear':
			return `linear ${times(scaling.factor)} (${theta})`;
		case 'dynamic':
			return `dynamic NTK ${times(scaling.factor)} past ${count(scaling.original)} (${theta})`;
		case 'llama3':
			return `llama3 ${times(scaling.factor)} from ${count(scaling.original)} (${theta})`;
		case 'yarn':
			return `YaRN ${times(scaling.factor)} from ${count(scaling.original)}, attention ×${scaling.attentionFactor.toFixed(3)} (${theta})`;
		case 'longrope':
			return (
				`longrope ${times(scaling.factor)} from ${count(scaling.original)}, attention ×${scaling.attentionFactor.toFixed(3)} (${theta}): ` +
				`short factors while a pass is within ${count(scaling.original)} tokens, long past it; keys cached before the switch keep the short ones`
			);
	}
}

/**
 * The model's own positions in words, e.g. "llama3 ×8 from 8,192 (RoPE θ = 500,000)", as a
 * function of its config alone; layers that differ (local and global) are counted apart.
 */
export function describeNativePositions(config: ModelConfig): string {
	if (config.positionEncoding === 'learned') return `learned absolute positions, ${count(config.maxPositions)} of them`;
	const layers = blockSpec(config).layers.map((layer) => describeLayer(layer.positions));
	const kinds = [...new Set(layers)];
	if (kinds.length === 1) return kinds[0];
	return kinds
		.map((text) => {
			const count = layers.filter((l) => l === text).length;
			return `${text} on ${count} layer${count === 1 ? '' : 's'}`;
		})
		.join('; ');
}
