/**
 * LazyLLM at decode steps. After each stage layer the new token's attention (averaged over
 * heads) ranks every prompt token that reached that layer, and the stage's top share continue.
 * Tokens of that share that were pruned here before come back from the Aux Cache (their hidden
 * state after this layer), so no token's layer is ever computed twice; revived tokens that a
 * later stage ranks low are set aside again.
 */
import type { ModelConfig } from '../../engine/config';
import type { Hooks } from '../../engine/hooks';
import type { ParamValues } from '../../params/param-spec';
import { prunable } from './params';
import { lastQueryAttention } from './rank';
import type { PruneStage } from '../types';

/** The positions a stage keeps: the top `keep` prunable ones by score (ties: earlier first). */
export function stageSelection(scores: Map<number, number>, isPrunable: (position: number) => boolean, keep: number): Set<number> {
	const ranked = [...scores.keys()].filter(isPrunable).sort((a, b) => scores.get(b)! - scores.get(a)! || a - b);
	return new Set(ranked.slice(0, keep));
}

export function revivalHooks(stages: PruneStage[], params: ParamValues, config: ModelConfig, prefill: Hooks & { prunableCount(): number | null }): Hooks {
	const shareAt = new Map(stages.map((s) => [s.afterLayer, s.keepShare]));
	/** Per stage layer: hidden state after that layer of each token set aside there. */
	const aux = new Map<number, Map<number, Float32Array>>();
	/** Per stage layer: the positions this decode step keeps (made when its attention is seen). */
	const selections = new Map<number, Set<number>>();
	let lastPrompt = -1;
	const D = config.hiddenSize;

	const setAside = (layer: number, position: number, hidden: Float32Array, row: number) => {
		if (!aux.has(layer)) aux.set(layer, new Map());
		aux.get(layer)!.set(position, hidden.slice(row * D, (row + 1) * D));
	};
	const isPrunable = (position: number) => prunable(params, position, lastPrompt);

	return {
		wantsProbabilities: (ctx) => shareAt.has(ctx.layer) && (ctx.phase === 'decode' || (prefill.wantsProbabilities?.(ctx) ?? false)),
		observe: (ctx, probs) => {
			if (ctx.phase === 'prefill') {
				lastPrompt = Math.max(lastPrompt, ctx.queryPositions[ctx.queryPositions.length - 1]);
				return prefill.observe?.(ctx, probs);
			}
			const original = prefill.prunableCount();
			if (original === null) return;
			const keep = Math.round(original * shareAt.get(ctx.layer)!);
			selections.set(ctx.layer, stageSelection(lastQueryAttention(ctx, probs), isPrunable, keep));
		},
		pruneTokens: (ctx, hidden) => {
			const rows = Array.from(ctx.queryPositions, (_, r) => r);
			const selected = selections.get(ctx.layer);
			const kept =
				ctx.phase === 'prefill'
					? prefill.pruneTokens?.(ctx, hidden)
					: selected && rows.filter((r) => !isPrunable(ctx.queryPositions[r]) || selected.has(ctx.queryPositions[r]));
			if (!kept) return undefined;
			const keptSet = new Set(kept);
			for (const r of rows) if (!keptSet.has(r)) setAside(ctx.layer, ctx.queryPositions[r], hidden, r);
			return kept;
		},
		revive: (ctx) => {
			const selected = selections.get(ctx.layer);
			const waiting = aux.get(ctx.layer);
			if (!selected || !waiting) return undefined;
			const positions = [...selected].filter((p) => waiting.has(p)).sort((a, b) => a - b);
			const hidden = new Float32Array(positions.length * D);
			positions.forEach((p, n) => {
				hidden.set(waiting.get(p)!, n * D);
				waiting.delete(p);
			});
			return { positions, hidden };
		}
	};
}
