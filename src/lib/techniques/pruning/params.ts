import type { ParamValues } from '../../params/param-spec';
/** Which prompt tokens a pruner may drop: all but the first and last few (the question stays). */
export const PROTECT_PARAMS = {
	keep_first: { kind: 'int', label: 'Always keep first', unit: 'tokens', min: 0, max: 4096, default: 1 },
	keep_last: { kind: 'int', label: 'Always keep last', unit: 'tokens', description: 'The question at the end of the prompt (FastV prunes only image tokens; text stays).', min: 1, max: 4096, default: 48 }
} as const;

export function layerRefusal(layers: number[], count: number): string | null {
	const bad = layers.filter((l) => l >= count - 1);
	return bad.length ? `Cannot prune after layer ${bad.join(', ')}: the model has layers 0–${count - 1} and pruning needs a later layer.` : null;
}

/** Whether a token may be pruned: all but the first few and the question at the end of the prompt. */
export function prunable(params: ParamValues, position: number, lastPrompt: number): boolean {
	return position >= (params.keep_first as number) && position <= lastPrompt - (params.keep_last as number);
}
