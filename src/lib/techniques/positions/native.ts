import type { PositionScheme } from '../types';

export const native: PositionScheme = {
	id: 'native',
	name: "Model's own",
	summary: 'Positions exactly as the model was trained (RoPE, ALiBi or none, from its config).',
	paper: null,
	params: {},
	refuse: () => null,
	// No plan: the engine then encodes the model's own positions (engine/positions.ts).
	plan: () => undefined
};
