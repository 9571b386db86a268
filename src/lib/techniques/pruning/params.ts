import type { ParamValues } from '../../params/param-spec';
import type { PruneStage } from '../types';
/** Which prompt tokens a pruner may drop: all but the first and last few (the question stays). */
export const PROTECT_PARAMS = {
	keep_first: { kind: 'int', label: 'Always keep first', unit: 'tokens', min: 0, max: 4096, default: 1 },
	keep_last: { kind: 'int', label: 'Always keep last', unit: 'tokens', description: 'The question at the end of the prompt (FastV prunes only image tokens; text stays).', min: 1, max: 4096, default: 48 }
} as const;

export function layerRefusal(layers: number[], count: number): string | null {
	const bad = layers.filter((l) => l >= count - 1);
	return bad.length ? `Cannot prune after layer ${bad.join(', ')}: the model has layers 0–${count - 1} and pruning needs a later layer.` : null;
}

/**
 * Tokens each layer holds after an n-token prompt when `stages` keep shares of the prunable
 * tokens: a layer holds what reached it, so a stage after layer ℓ shrinks layers ℓ + 1 on.
 */
export function stagedHeldTokens(stages: PruneStage[], params: ParamValues, layers: number, n: number): number[] {
	const prunableCount = Math.max(0, n - (params.keep_first as number) - (params.keep_last as number));
	let kept = prunableCount;
	return Array.from({ length: layers }, (_, layer) => {
		const held = n - prunableCount + kept;
		for (const stage of stages) if (stage.afterLayer === layer) kept = Math.min(kept, Math.round(prunableCount * stage.keepShare));
		return held;
	});
}

/** Whether a token may be pruned: all but the first few and the question at the end of the prompt. */
export function prunable(params: ParamValues, position: number, lastPrompt: number): boolean {
	return position >= (params.keep_first as number) && position <= lastPrompt - (params.keep_last as number);
}
