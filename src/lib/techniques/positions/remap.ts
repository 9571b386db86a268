/**
 * Integer and fractional position remaps over a span (V2PE's variable step; a step of 0 gives
 * every token of the span one shared position id). Positions before the span are unchanged;
 * after it they continue from where the span ended.
 */
import { ropeOnly } from './rope-scaling';
import type { PositionScheme } from '../types';
import type { ParamValues } from '../../params/param-spec';

export function remapPosition(p: ParamValues, position: number): number {
	const start = p.start as number;
	const length = p.length as number;
	const step = p.step as number;
	if (position < start) return position;
	if (position < start + length) return start + (position - start) * step;
	return start + length * step + (position - start - length);
}

export const remap: PositionScheme = {
	id: 'remap',
	name: 'Variable position step (V2PE)',
	summary: 'Tokens inside a span advance the position by a smaller step (0 = one shared id), compressing it.',
	paper: { title: 'V2PE: Improving Multimodal Long-Context Capability of Vision-Language Models with Variable Visual Position Encoding', year: 2024, url: 'https://arxiv.org/abs/2412.09616' },
	params: {
		start: { kind: 'int', label: 'Span start', unit: 'position', min: 0, max: 1048576, default: 0 },
		length: { kind: 'int', label: 'Span length', unit: 'tokens', min: 0, max: 1048576, default: 256 },
		step: { kind: 'number', label: 'Step inside the span', min: 0, max: 1, step: 0.0625, default: 0.5 }
	},
	refuse: (_p, config) => ropeOnly(config, 'A position remap'),
	plan: (p, _config, ctx) => ({
		query: Float64Array.from(ctx.queryPositions, (q) => remapPosition(p, q)),
		keys: (_h, original) => Float64Array.from(original, (k) => remapPosition(p, k))
	})
};
